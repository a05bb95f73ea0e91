// The TopK sparse autoencoder's shared uniform (included before every sae_*.wgsl file). Parameters live in one slab:
// W_enc (d_in, d_sae), b_enc (d_sae), W_dec (d_sae, d_in), b_dec (d_in) at the float offsets below; the gradient slab
// has the same layout. Buffers hold `batch` rows; the Step slot's `rows` of them are live.

struct Sae {
  d_in: u32,       // input dimensions
  d_sae: u32,      // latents
  k: u32,          // active latents per sample
  k_aux: u32,      // latents in the AuxK reconstruction of the residual
  batch: u32,      // rows the batch buffers hold
  dead_after: u32, // a latent is dead when it has not fired in this many training samples
  aux_weight: f32, // weight of the AuxK term
  count: u32,      // vectors in the gathered matrix (saeGather)
  w_enc: u32,      // float offsets into the parameter and gradient slabs
  b_enc: u32,
  w_dec: u32,
  b_dec: u32,
}

const SAE_WG = 256u;

@group(0) @binding(0) var<uniform> st: Step;
@group(0) @binding(1) var<uniform> p: Sae;

// Index of the thread in a 1-D grid folded into (x, y) workgroups of SAE_WG.
fn saeThread(wid: vec3u, nwg: vec3u, lid: u32) -> u32 {
  return groupIndex(wid, nwg) * SAE_WG + lid;
}
