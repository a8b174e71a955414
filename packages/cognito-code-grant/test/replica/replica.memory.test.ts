import { memoryBackend } from './backends.ts';
import { replicaSuite } from './replica.suite.ts';

replicaSuite('memory', memoryBackend());
