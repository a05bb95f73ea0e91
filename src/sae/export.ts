// Export of a trained SAE in SAELens's on-disk form: cfg.json and sae_weights.safetensors (W_enc (d_in, d_sae),
// b_enc, W_dec (d_sae, d_in), b_dec, + threshold for JumpReLU, float32), as SAE.load_from_disk reads them. cfg.json
// carries the fields of both config generations (v5: activation_fn_str / activation_fn_kwargs; v6: architecture,
// with k at the top level for TopK); each version's from_dict keeps the fields it knows. Vectors normalised for
// training (--normalize, factor s) are undone by folding s into the weights, as SAELens's
// fold_activation_norm_scaling_factor does: W_enc·s, W_dec/s, b_dec/s, and normalize_activations "none".
import type { SaeKind } from '../model/config.ts';
import { unpackTensor } from '../model/init.ts';
import { encodeSafetensors } from '../io/safetensors.ts';
import type { SaeLayout } from './kernels.ts';
import { saeTensors } from './plan.ts';

export interface SaelensFiles { 'cfg.json': string; 'sae_weights.safetensors': Uint8Array }

/** SAELens's architecture per kind: BatchTopK and JumpReLU infer as JumpReLU (threshold), L1 as the standard ReLU. */
const ARCHITECTURE: Record<SaeKind, { architecture: string; activation: string }> = {
  topk: { architecture: 'topk', activation: 'topk' }, batchtopk: { architecture: 'jumprelu', activation: 'relu' },
  jumprelu: { architecture: 'jumprelu', activation: 'relu' }, l1: { architecture: 'standard', activation: 'relu' },
};

/** `scale`: the --normalize factor s the vectors were multiplied by in training (1: none). */
export function saelensFiles(params: Float32Array, l: SaeLayout, cfg: { k: number; kind?: SaeKind }, dataName: string, scale = 1): SaelensFiles {
  const kind = cfg.kind ?? 'topk';
  const fold: Record<string, number> = { W_enc: scale, W_dec: 1 / scale, b_dec: 1 / scale };
  // SAELens loads the state dict strictly: θ goes with the JumpReLU architecture only.
  const jump = ARCHITECTURE[kind].architecture === 'jumprelu';
  const tensors = saeTensors(l).filter((t) => t.name !== 'threshold' || jump);
  if (jump && !tensors.some((t) => t.name === 'threshold')) {
    throw new Error(`an SAE of kind ${kind} is exported with a threshold, which this engine's parameters do not have yet`);
  }
  const weights = encodeSafetensors(tensors.map((t) => ({ name: t.name, dtype: 'F32' as const, shape: t.shape,
    data: unpackTensor(params, t).map((x) => x * (fold[t.name] ?? 1)) })), { format: 'pt' });
  const { architecture, activation } = ARCHITECTURE[kind];
  const topk = kind === 'topk' ? { k: cfg.k } : {};
  const cfgJson = {
    architecture, d_in: l.dIn, d_sae: l.dSae, ...topk, dtype: 'float32', device: 'cpu', apply_b_dec_to_input: true,
    normalize_activations: 'none', reshape_activations: 'none', activation_fn_str: activation, activation_fn_kwargs: topk,
    finetuning_scaling_factor: false, context_size: 1, model_name: 'vectors', hook_name: dataName, hook_layer: 0, hook_head_index: null,
    prepend_bos: false, dataset_path: dataName, dataset_trust_remote_code: false, sae_lens_training_version: null,
    metadata: { model_name: 'vectors', hook_name: dataName, dataset_path: dataName, trained_with: 'webgpu-autoencoder', trained_kind: kind,
      folded_activation_scaling_factor: scale },
  };
  return { 'cfg.json': JSON.stringify(cfgJson, null, 2) + '\n', 'sae_weights.safetensors': weights };
}
