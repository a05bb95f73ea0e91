// The sparse autoencoders' shared uniform (included before every sae_*.wgsl file). Parameters live in one slab:
// W_enc (d_in, d_sae), b_enc (d_sae), W_dec (d_sae, d_in), b_dec (d_in), threshold (d_sae) at the float offsets
// below; the gradient slab has the same layout. Buffers hold `batch` rows; the Step slot's `rows` of them are live.

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
  threshold: u32,  // JumpReLU's θ; BatchTopK's estimated θ (every entry equal)
  kind: u32,       // KIND_* below
  list: u32,       // stride of the per-sample code lists: k for TopK, d_sae for the others (ended by NONE)
  l0_weight: f32,  // JumpReLU's L0 coefficient
  bandwidth: f32,  // JumpReLU's pseudo-derivative bandwidth ε
  l1_weight: f32,  // L1's λ (the penalty is weighted by decoder-row norms)
}

const SAE_WG = 256u;
const KIND_TOPK = 0u;
const KIND_BATCHTOPK = 1u;
const KIND_JUMPRELU = 2u;
const KIND_L1 = 3u;
const NONE = 0xffffffffu; // ends a code list shorter than its stride
const THRESHOLD_MIN = 1e-6; // JumpReLU's θ floor after each Adam step (src/ref/sae-kinds.ts THRESHOLD_MIN)

// Monotone map f32 → u32: a < b exactly when key(a) < key(b) (for non-NaN values); −0 maps to +0's key, so the two
// zeros tie as they do in the reference.
fn orderKey(v: f32) -> u32 {
  let b = select(bitcast<u32>(v), 0u, bitcast<u32>(v) == 0x80000000u);
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

@group(0) @binding(0) var<uniform> st: Step;
@group(0) @binding(1) var<uniform> p: Sae;

// Index of the thread in a 1-D grid folded into (x, y) workgroups of SAE_WG.
fn saeThread(wid: vec3u, nwg: vec3u, lid: u32) -> u32 {
  return groupIndex(wid, nwg) * SAE_WG + lid;
}
