export {
  CHANNELS,
  type JwksFetchEvent,
  type RefreshEvent,
  type ReplicaWriteEvent,
  type SignInEvent,
  type SignOutEvent,
  type SignatureThreadEvent,
  type TokenRefusedEvent,
  type WebhookEventEvent,
} from './channels.ts';
