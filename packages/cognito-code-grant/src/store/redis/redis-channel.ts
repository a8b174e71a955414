/**
 * The Redis push channel: a dedicated subscriber connection (a subscribed connection cannot run
 * other commands). On a Cluster it is a plain connection to one node: a classic PUBLISH is
 * broadcast over the cluster bus to every node, so one subscription on any node receives the
 * writes of every slot (sharded SPUBLISH would not). The connection is pinged every
 * `heartbeatMs`: a closed connection or a missed answer is reported as `down` at once, and
 * ioredis reconnects; the channel is reported `up` again only once SUBSCRIBE is acknowledged.
 */
import type { Redis } from 'ioredis';
import type { ChannelDriver, ChannelSink } from '../../session/push.ts';

interface Duplicable {
  duplicate?(override?: Record<string, unknown>): Redis;
  isCluster?: boolean;
  nodes?(role?: 'all' | 'master' | 'slave'): Redis[];
}

/** A new connection for the subscriber, or undefined when none can be made yet. */
function subscriberOf(client: Duplicable, name: string): Redis | undefined {
  const override = {
    lazyConnect: true,
    // This module subscribes (and reports up) itself after every reconnect.
    autoResubscribe: false,
    // Commands never wait for a reconnect: a ping that cannot be sent fails now.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // A Cluster's node connections never reconnect on their own (the cluster does it for
    // them), so neither would their duplicate: this one always does.
    retryStrategy: (times: number) => Math.min(50 * times, 2000),
    // Named after the key prefix, so an operator (or a test) can find it in CLIENT LIST.
    connectionName: name,
  };
  if (client.isCluster === true) {
    const nodes = client.nodes?.('master') ?? [];
    const node = nodes[Math.floor(Math.random() * nodes.length)];
    return node?.duplicate(override);
  }
  return client.duplicate?.(override);
}

export function redisChannel(client: unknown, channel: string, heartbeatMs: number): ChannelDriver {
  const name = `ccg-push:${channel}`.replace(/[^\x21-\x7e]/g, '_');
  let sub: Redis | undefined;
  let stopped = false;
  let heartbeat: NodeJS.Timeout | undefined;
  let retry: NodeJS.Timeout | undefined;
  let attempt = 0;
  let sink: ChannelSink;

  function lost(error: unknown): void {
    sink.down(error);
  }

  function open(): void {
    if (stopped) return;
    const s = subscriberOf(client as Duplicable, name);
    if (s === undefined) {
      // A cluster client that has not discovered its nodes yet: try again shortly.
      lost(new Error('no Redis node to subscribe on yet'));
      retry = setTimeout(open, Math.min(2000, 50 * 2 ** attempt++));
      retry.unref();
      return;
    }
    sub = s;
    s.on('message', (ch: string, text: string) => {
      if (ch === channel) sink.message(text);
    });
    s.on('error', (error: unknown) => lost(error));
    s.on('close', () => lost(new Error('Redis subscriber connection closed')));
    // Given up reconnecting (or a node that left the cluster): start over with a new connection.
    s.on('end', () => {
      if (stopped || sub !== s) return;
      sub = undefined;
      retry = setTimeout(open, Math.min(2000, 50 * 2 ** attempt++));
      retry.unref();
    });
    s.on('ready', () => {
      s.subscribe(channel).then(
        () => {
          attempt = 0;
          if (!stopped && sub === s) sink.up();
        },
        (error: unknown) => {
          lost(error);
          s.disconnect(true);
        },
      );
    });
    s.connect().catch((error: unknown) => lost(error));
  }

  return {
    start(s) {
      sink = s;
      open();
      heartbeat = setInterval(() => {
        const s = sub;
        if (s === undefined || s.status !== 'ready') return;
        let answered = false;
        const timer = setTimeout(() => {
          // A half-open connection: nothing closes it, so close it and let ioredis reconnect.
          if (!answered) {
            lost(new Error('Redis subscriber did not answer a ping'));
            s.disconnect(true);
          }
        }, heartbeatMs);
        timer.unref();
        s.ping().then(
          () => {
            answered = true;
            clearTimeout(timer);
          },
          () => {},
        );
      }, heartbeatMs);
      heartbeat.unref();
    },
    async stop() {
      stopped = true;
      clearInterval(heartbeat);
      clearTimeout(retry);
      const s = sub;
      sub = undefined;
      if (s) {
        s.removeAllListeners();
        s.on('error', () => {});
        s.disconnect(false);
      }
    },
  };
}
