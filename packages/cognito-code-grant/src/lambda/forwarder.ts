/**
 * `cognito-code-grant/lambda`: the entry of the forwarder Lambda. The forwarder lives with the
 * rest of the trigger protocol in src/trigger/ (signature, events route); this file only gives
 * the subpath (and the Lambda build) its stable path.
 */
export * from '../trigger/lambda-forwarder.ts';
