/**
 * The document as YAML, and a line diff of two documents (the published baseline against the draft), so a
 * reviewer reads the change in the same form the policy files are written in.
 */
import { stringify } from 'yaml';
import type { WorkflowDocument } from './model.js';

export function toYaml(document: WorkflowDocument): string {
  return stringify(document, { lineWidth: 0 });
}

export interface DiffLine {
  change: 'same' | 'added' | 'removed';
  text: string;
}

/** Lines of `before` and `after` aligned on their longest common subsequence (documents are a few hundred lines at most). */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = before.split('\n');
  const b = after.split('\n');
  // common[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const common = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) common[i]![j] = a[i] === b[j] ? common[i + 1]![j + 1]! + 1 : Math.max(common[i + 1]![j]!, common[i]![j + 1]!);
  }
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push({ change: 'same', text: a[i]! });
      i += 1;
      j += 1;
    } else if (j < b.length && (i === a.length || common[i]![j + 1]! >= common[i + 1]![j]!)) {
      lines.push({ change: 'added', text: b[j]! });
      j += 1;
    } else {
      lines.push({ change: 'removed', text: a[i]! });
      i += 1;
    }
  }
  return lines;
}

export function diffDocuments(baseline: WorkflowDocument, document: WorkflowDocument): DiffLine[] {
  return diffLines(toYaml(baseline), toYaml(document));
}
