/**
 * A session store's push channel: what changed in the store, told to every process that listens
 * (Redis pub/sub, PostgreSQL LISTEN/NOTIFY, in-process for the memory store). Two messages:
 * a session record changed or went away (`s:<idHash>`), and a token origin was denied
 * (`o:<expiresAt>:<origin_jti>`). A channel can break: listeners are told (`down`), must stop
 * trusting what they remember, and resynchronise when it is back (`up`).
 */

export interface PushListener {
  /** A session record was rewritten or deleted (by any process). */
  session?(idHash: string): void;
  /** `originJti` was added to the deny-list until `expiresAt` (epoch ms). */
  origin?(originJti: string, expiresAt: number): void;
  /** The channel is lost: messages may be missed until `up`. */
  down?(error: unknown): void;
  /** The channel is (again) subscribed: every change from now on is delivered; resynchronise. */
  up?(): void;
}

export interface PushSubscription {
  /** True while the channel is subscribed (messages are being delivered). */
  readonly live: boolean;
  /** Stops delivering to this listener (the connection closes with the last listener). */
  close(): Promise<void>;
}

/** What a store with a push channel offers (optional in the SessionStore port). */
export interface PushChannel {
  /** Resolves once the channel was tried: `live` says whether it is subscribed. */
  subscribe(listener: PushListener): Promise<PushSubscription>;
}

/** The raw connection a store opens for its channel (Redis subscriber, PostgreSQL LISTEN). */
export interface ChannelDriver {
  /** Opens the connection and keeps it open (reconnecting): report through `sink`. */
  start(sink: ChannelSink): void;
  stop(): Promise<void>;
}

export interface ChannelSink {
  message(text: string): void;
  down(error: unknown): void;
  up(): void;
}

export const sessionMessage = (idHash: string): string => `s:${idHash}`;
export const originMessage = (originJti: string, expiresAt: number): string =>
  `o:${Math.floor(expiresAt)}:${originJti}`;

/** Delivers one channel message to a listener; unknown or malformed messages are ignored. */
function deliver(listener: PushListener, text: string): void {
  if (text.startsWith('s:')) listener.session?.(text.slice(2));
  else if (text.startsWith('o:')) {
    const sep = text.indexOf(':', 2);
    const expiresAt = Number(text.slice(2, sep));
    if (sep > 2 && Number.isFinite(expiresAt)) listener.origin?.(text.slice(sep + 1), expiresAt);
  }
}

/**
 * One connection per store, shared by every listener (the session cache and the deny-list):
 * opened with the first subscription, closed with the last. A listener's exception never
 * reaches the driver or the other listeners.
 */
export class PushHub implements PushChannel {
  readonly #listeners = new Set<PushListener>();
  readonly #open: () => ChannelDriver;
  #driver: ChannelDriver | undefined;
  #live = false;
  #firstAnswer: Promise<void> | undefined;
  #answered: (() => void) | undefined;

  constructor(open: () => ChannelDriver) {
    this.#open = open;
  }

  get live(): boolean {
    return this.#live;
  }

  #each(f: (l: PushListener) => void): void {
    for (const l of [...this.#listeners]) {
      try {
        f(l);
      } catch {
        // A listener's fault is its own; the channel keeps delivering to the others.
      }
    }
  }

  readonly #sink: ChannelSink = {
    message: (text) => this.#each((l) => deliver(l, text)),
    down: (error) => {
      const was = this.#live;
      this.#live = false;
      this.#answered?.();
      if (was) this.#each((l) => l.down?.(error));
    },
    up: () => {
      this.#live = true;
      this.#answered?.();
      this.#each((l) => l.up?.());
    },
  };

  /** Closes the connection whoever still listens (the store's owner shuts it down). */
  async close(): Promise<void> {
    const driver = this.#driver;
    this.#driver = undefined;
    this.#listeners.clear();
    this.#live = false;
    this.#answered?.();
    await driver?.stop();
  }

  async subscribe(listener: PushListener): Promise<PushSubscription> {
    this.#listeners.add(listener);
    if (this.#driver === undefined) {
      this.#firstAnswer = new Promise<void>((resolve) => {
        this.#answered = resolve;
      });
      this.#driver = this.#open();
      this.#driver.start(this.#sink);
    }
    // The first connect's outcome (subscribed or failed); later subscribers see the state now.
    await this.#firstAnswer;
    const hub = this;
    return {
      get live() {
        return hub.#live && hub.#listeners.has(listener);
      },
      async close() {
        if (!hub.#listeners.delete(listener) || hub.#listeners.size > 0) return;
        const driver = hub.#driver;
        hub.#driver = undefined;
        hub.#live = false;
        await driver?.stop();
      },
    };
  }
}

/** The memory store's channel: in-process, always live. */
export function inProcessChannel(): PushChannel & { publish(text: string): void } {
  const listeners = new Set<PushListener>();
  return {
    publish(text) {
      for (const l of [...listeners]) {
        try {
          deliver(l, text);
        } catch {
          // As PushHub: one listener's fault is its own.
        }
      }
    },
    async subscribe(listener) {
      listeners.add(listener);
      return {
        get live() {
          return listeners.has(listener);
        },
        async close() {
          listeners.delete(listener);
        },
      };
    },
  };
}
