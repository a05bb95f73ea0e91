// Export of a trained TopK SAE in SAELens's on-disk form: cfg.json and sae_weights.safetensors (W_enc (d_in, d_sae),
// b_enc, W_dec (d_sae, d_in), b_dec, float32), as SAE.load_from_disk reads them. cfg.json carries the fields of both
// config generations (v5: activation_fn_str / activation_fn_kwargs; v6: architecture "topk" with k at the top level);
// each version's from_dict keeps the fields it knows.
import { encodeSafetensors } from '../io/safetensors.ts';
import type { SaeLayout } from './kernels.ts';
import type { SaeConfig } from './trainer.ts';

export interface SaelensFiles { 'cfg.json': string; 'sae_weights.safetensors': Uint8Array }

export function saelensFiles(params: Float32Array, l: SaeLayout, cfg: SaeConfig, dataName: string): SaelensFiles {
  const { dIn, dSae } = l;
  const slice = (at: number, n: number) => Float32Array.from(params.subarray(at, at + n));
  const weights = encodeSafetensors([
    { name: 'W_enc', dtype: 'F32', shape: [dIn, dSae], data: slice(l.wEnc, dIn * dSae) },
    { name: 'b_enc', dtype: 'F32', shape: [dSae], data: slice(l.bEnc, dSae) },
    { name: 'W_dec', dtype: 'F32', shape: [dSae, dIn], data: slice(l.wDec, dSae * dIn) },
    { name: 'b_dec', dtype: 'F32', shape: [dIn], data: slice(l.bDec, dIn) },
  ], { format: 'pt' });
  const cfgJson = {
    architecture: 'topk', d_in: dIn, d_sae: dSae, k: cfg.k, dtype: 'float32', device: 'cpu', apply_b_dec_to_input: true,
    normalize_activations: 'none', reshape_activations: 'none', activation_fn_str: 'topk', activation_fn_kwargs: { k: cfg.k },
    finetuning_scaling_factor: false, context_size: 1, model_name: 'vectors', hook_name: dataName, hook_layer: 0, hook_head_index: null,
    prepend_bos: false, dataset_path: dataName, dataset_trust_remote_code: false, sae_lens_training_version: null,
    metadata: { model_name: 'vectors', hook_name: dataName, dataset_path: dataName, trained_with: 'webgpu-autoencoder' },
  };
  return { 'cfg.json': JSON.stringify(cfgJson, null, 2) + '\n', 'sae_weights.safetensors': weights };
}
