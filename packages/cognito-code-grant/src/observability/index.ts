export {
  CHANNELS,
  type JwksFetchEvent,
  type RefreshEvent,
  type ReplicaWriteEvent,
  type SignInEvent,
  type SignOutEvent,
  type TokenRefusedEvent,
  type WebhookEventEvent,
} from './channels.ts';
