#!/usr/bin/env node
// Baton's CLI runs its TypeScript sources through tsx, so there is no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
