import { readFileSync } from 'node:fs';

/** The committed fixture photos (server-mock/test-fixtures/faces/README.md says where they come from). */
export const FACE_FIXTURES = {
  enrol: 'selected.jpg',
  samePerson: ['r0c1.jpg', 'r0c2.jpg', 'r0c3.jpg'],
  otherPeople: ['r2c0.jpg', 'r2c1.jpg', 'r2c3.jpg', 'r2c6.jpg', 'r2c10.jpg'],
  noFace: 'r2c4.jpg',
};

export const faceFixture = (name: string): Buffer => readFileSync(new URL(`../../../test-fixtures/faces/${name}`, import.meta.url));
