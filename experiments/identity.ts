/**
 * `identity-embed`: a small face-identity embedding for measuring whether an edit keeps the person.
 * Trained on the CelebA identities (identity_CelebA*.txt), faces as 48x48 grayscale framed like
 * FER2013 (loaded at `loadSize`, centre `size` pixels kept: a tighter crop than CelebA's aligned
 * frame), with a softmax over the training identities; `holdOut` identities are never trained on
 * and give the same/different-person separation (verification AUC, EER) reported as the floor.
 */
import { IdentitySpec } from '../lib/classify/identity-train';

export type { IdentitySpec };

export const IDENTITY_SPEC: IdentitySpec = {
  size: 48,
  loadSize: 60,
  holdOut: 40,
  filters: [32, 64, 128],
  embed: 64,
  epochs: 15,
  batchSize: 64,
  lr: 1e-3,
  flip: true,
  seed: 7,
};

/** Seconds, for tests. */
export const IDENTITY_SMOKE: Partial<IdentitySpec> = { epochs: 1, holdOut: 4, filters: [4, 8, 8], embed: 8 };
