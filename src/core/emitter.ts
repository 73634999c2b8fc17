/** A handler's return value is only read by {@link Emitter.vetoed}: `false` (or a Promise of it) says no. */
type Handler<Args extends unknown[]> = (...args: Args) => unknown;

/**
 * Typed `on/off/emit` for `Guard` (a plain object, not a DOM node, so it works before anything is
 * rendered). A throwing handler is reported and does not stop the others: one integration's bug must
 * not break another's login.
 */
export class Emitter<Events extends { [name: string]: unknown[] }> {
  private readonly handlers = new Map<keyof Events, Set<Handler<never>>>();

  // The default report rejects on a later task on purpose: the host page sees an unhandledrejection with the
  // handler's error, and the emit loop goes on.
  constructor(private readonly report: (error: unknown) => void = (error) => setTimeout(() => void Promise.reject(error))) {}

  on<Name extends keyof Events>(name: Name, handler: Handler<Events[Name]>): void {
    let set = this.handlers.get(name);
    if (!set) this.handlers.set(name, (set = new Set()));
    set.add(handler as Handler<never>);
  }

  off<Name extends keyof Events>(name: Name, handler?: Handler<Events[Name]>): void {
    if (handler) this.handlers.get(name)?.delete(handler as Handler<never>);
    else this.handlers.delete(name);
  }

  emit<Name extends keyof Events>(name: Name, ...args: Events[Name]): void {
    for (const handler of this.list(name)) {
      try {
        handler(...args);
      } catch (error) {
        this.report(error);
      }
    }
  }

  /**
   * Runs every handler in turn and answers whether one vetoed (returned or resolved `false`). A handler
   * that throws or rejects vetoes too: a check that failed must not let the action through.
   */
  async vetoed<Name extends keyof Events>(name: Name, ...args: Events[Name]): Promise<boolean> {
    for (const handler of this.list(name)) {
      try {
        if ((await handler(...args)) === false) return true;
      } catch (error) {
        this.report(error);
        return true;
      }
    }
    return false;
  }

  private list<Name extends keyof Events>(name: Name): Handler<Events[Name]>[] {
    return [...(this.handlers.get(name) ?? [])] as Handler<Events[Name]>[];
  }
}
