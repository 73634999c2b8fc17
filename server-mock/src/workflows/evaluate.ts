import { judge, planStatistics, type AggregateResult, type Decision, type Workflow } from '../policy/engine.js';
import type { Storage } from '../storage/types.js';
import type { UebaEvent } from '../protocol/index.js';

/**
 * Runs a parsed workflow against storage: plans its statistics, queries them, and asks the pure engine
 * to judge. Used by the service and by `camfa-guard policy simulate`.
 */
export async function evaluateWorkflow(input: {
  workflow: Workflow;
  event: UebaEvent;
  storage: Storage;
  now: number;
  user?: Record<string, unknown>;
}): Promise<Decision> {
  const { workflow, event, storage, now } = input;
  const stats: Record<string, AggregateResult> = {};
  await Promise.all(
    planStatistics(workflow, { event }).map(async ({ id, query: { scope, ...query } }) => {
      stats[id] = await storage.aggregate({ ...query, appId: scope === 'all-apps' ? null : event.appId, now, excludeEventId: event.id });
    }),
  );
  return judge(workflow, { event, user: input.user, stats, now });
}
