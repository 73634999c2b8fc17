import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';

/** A workflow document as read from the config or the policies folder, before parsing. */
export interface WorkflowDocument {
  /** null: global. */
  appId: string | null;
  /** Where it came from (a file path, `config.policies.documents[0]`), for errors and logs. */
  name: string;
  source: string;
}

const DOCUMENT_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** `dir/*.yaml` are global; `dir/<appId>/*.yaml` belong to that app. */
export async function readFolder(dir: string): Promise<WorkflowDocument[]> {
  const found: WorkflowDocument[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isFile() && DOCUMENT_EXTENSIONS.has(extname(entry.name))) {
      found.push({ appId: null, name: path, source: await readFile(path, 'utf8') });
    } else if (entry.isDirectory()) {
      for (const inner of await readdir(path, { withFileTypes: true })) {
        if (inner.isFile() && DOCUMENT_EXTENSIONS.has(extname(inner.name))) {
          found.push({ appId: basename(path), name: join(path, inner.name), source: await readFile(join(path, inner.name), 'utf8') });
        }
      }
    }
  }
  return found;
}
