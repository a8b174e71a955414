// Loaded with --require into every test process by scripts/run-tests.mjs: tests may reach
// loopback only (127.0.0.0/8, ::1, localhost). Any other connection or DNS name is refused
// before a socket is opened or a query is sent, the refusal is thrown where it happened, and it
// is printed again and fails the process at exit, so a caller that swallows errors (a retry
// loop, a probe) cannot hide it.
// CommonJS and --require, not --import: Node runs --require preloads in every worker thread,
// eval workers included, where an --import preload reaches only workers started from a file.
'use strict';
const dgram = require('node:dgram');
const dns = require('node:dns');
const net = require('node:net');

const GUARD = Symbol.for('cognito-code-grant.test-network-guard');
const CODE = 'ERR_TEST_NETWORK_REFUSED';

if (!globalThis[GUARD]) install();

function install() {
  const refusals = [];
  const state = {
    code: CODE,
    /** Hands over (and forgets) the refusals so far: the guard's own test expects some. */
    takeRefusals: () => refusals.splice(0),
    isLoopbackHost,
  };
  globalThis[GUARD] = state;

  function refuse(what) {
    const error = new Error(
      `test network guard: refused ${what}: tests may reach loopback only (127.0.0.0/8, ::1, localhost); use a local server or the emulator on port 0`,
    );
    error.code = CODE;
    refusals.push({ what, stack: error.stack });
    return error;
  }

  const originalConnect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function guardedConnect(...args) {
    const target = connectTarget(args);
    if (target && !isLoopbackHost(target.host)) {
      throw refuse(`a connection to ${target.host}:${target.port}`);
    }
    return originalConnect.apply(this, args);
  };

  for (const proto of [dgram.Socket.prototype]) {
    for (const method of ['connect', 'send']) {
      const original = proto[method];
      proto[method] = function guardedUdp(...args) {
        const host = udpHost(method, args);
        if (host !== undefined && !isLoopbackHost(host)) throw refuse(`UDP to ${host}`);
        return original.apply(this, args);
      };
    }
  }

  const lookupNames = ['lookup', 'lookupService'];
  const resolveNames = Object.keys(dns).filter((k) => /^resolve/.test(k) || k === 'reverse');
  guardDns(dns, [...lookupNames, ...resolveNames]);
  guardDns(dns.promises, [...lookupNames, ...resolveNames]);
  guardDns(dns.Resolver.prototype, [...resolveNames]);
  guardDns(dns.promises.Resolver.prototype, [...resolveNames]);

  function guardDns(target, names) {
    for (const name of names) {
      const original = target[name];
      if (typeof original !== 'function') continue;
      target[name] = function guardedDns(...args) {
        const host = args[0];
        if (typeof host === 'string' && !isLoopbackHost(host)) {
          throw refuse(`a DNS query (${name}) for ${host}`);
        }
        return original.apply(this, args);
      };
    }
  }

  process.on('exit', () => {
    if (refusals.length === 0) return;
    process.stderr.write(
      `\ntest network guard: ${refusals.length} refused network access(es) in this process:\n${refusals
        .map((r) => r.stack)
        .join('\n')}\n`,
    );
    process.exitCode = 1;
  });
}

/** The host and port net.Socket#connect was asked for, or undefined for a pipe/Unix socket. */
function connectTarget(args) {
  let first = args[0];
  if (Array.isArray(first)) first = first[0]; // net.connect() passes its normalized arguments
  if (first !== null && typeof first === 'object') {
    if (first.path !== undefined && first.path !== null) return undefined;
    return { host: first.host ?? 'localhost', port: first.port };
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return undefined; // a pipe path
  const host = typeof args[1] === 'string' ? args[1] : 'localhost';
  return { host, port: first };
}

function udpHost(method, args) {
  // connect(port[, address][, cb]); send(msg[, offset, length][, port][, address][, cb])
  const strings = args.filter((a) => typeof a === 'string');
  if (method === 'connect') return strings[0] ?? 'localhost';
  const hasPort = args.slice(1).some((a) => typeof a === 'number');
  if (!hasPort) return undefined; // a connected socket: checked at connect()
  const address = args.slice(1).find((a) => typeof a === 'string');
  return address ?? 'localhost';
}

function isLoopbackHost(rawHost) {
  let host = String(rawHost).toLowerCase();
  if (host === '') return true; // Node's default host is localhost
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host === 'localhost') return true;
  if (host.startsWith('::ffff:')) host = host.slice(7);
  if (net.isIPv4(host)) return host.split('.')[0] === '127';
  if (net.isIPv6(host)) return /^(0{0,4}:){7}0{0,3}1$|^::1$/.test(host);
  return false;
}
