// Sparse-autoencoder forward pieces around the code selection (sae_topk.wgsl, sae_codes.wgsl): gather a batch of
// vectors, encode h = (x − b_dec)·W_enc + b_enc, decode x̂ = z·W_dec + b_dec and ê = z_aux·W_dec from the code lists,
// the loss (recon, AuxK and the sparsity penalty, one workgroup) and its gradients at x̂ and ê. Each entry declares its
// own bindings.

@group(0) @binding(2) var<storage, read> g_data: array<f32>;        // (count, d_in) the split's vectors
@group(0) @binding(3) var<storage, read> g_order: array<u32>;       // (count) sample order of the epoch
@group(0) @binding(4) var<storage, read_write> g_x: array<f32>;     // (batch, d_in)

@compute @workgroup_size(SAE_WG)
fn saeGather(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let n = saeThread(wid, nwg, lid);
  if (n >= st.rows * p.d_in) { return; }
  let sample = min(g_order[st.batch_start + n / p.d_in], p.count - 1u);
  g_x[n] = g_data[sample * p.d_in + n % p.d_in];
}

@group(0) @binding(2) var<storage, read> e_x: array<f32>;           // (batch, d_in)
@group(0) @binding(3) var<storage, read> e_params: array<f32>;      // parameter slab
@group(0) @binding(4) var<storage, read_write> e_h: array<f32>;     // (batch, d_sae) pre-activations

// One thread per (4 samples, latent): each W_enc load serves four samples; neighbouring threads read neighbouring
// columns of W_enc. The sum over i runs in the same order as the reference's.
@compute @workgroup_size(SAE_WG)
fn saeEncode(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let n = saeThread(wid, nwg, lid);
  if (n >= (st.rows + 3u) / 4u * p.d_sae) { return; }
  let b0 = n / p.d_sae * 4u;
  let j = n % p.d_sae;
  let live = min(st.rows - b0, 4u);
  let x0 = b0 * p.d_in;
  var s = vec4f(e_params[p.b_enc + j]);
  for (var i = 0u; i < p.d_in; i++) {
    let w = e_params[p.w_enc + i * p.d_sae + j];
    let c = e_params[p.b_dec + i];
    let x = vec4f(e_x[x0 + i], e_x[x0 + min(1u, live - 1u) * p.d_in + i], e_x[x0 + min(2u, live - 1u) * p.d_in + i],
      e_x[x0 + min(3u, live - 1u) * p.d_in + i]);
    s += (x - c) * w;
  }
  for (var r = 0u; r < live; r++) { e_h[(b0 + r) * p.d_sae + j] = s[r]; }
}

@group(0) @binding(2) var<storage, read> d_params: array<f32>;
@group(0) @binding(3) var<storage, read> d_idx: array<u32>;         // (batch, list) active latents, ascending
@group(0) @binding(4) var<storage, read> d_val: array<f32>;         // (batch, list) their codes
@group(0) @binding(5) var<storage, read> d_aux_idx: array<u32>;     // (batch, k_aux) AuxK latents
@group(0) @binding(6) var<storage, read> d_aux_val: array<f32>;     // (batch, k_aux)
@group(0) @binding(7) var<storage, read_write> d_xhat: array<f32>;  // (batch, d_in)
@group(0) @binding(8) var<storage, read_write> d_ehat: array<f32>;  // (batch, d_in)

// Sparse decode: the listed rows of W_dec per sample (k for TopK, up to NONE otherwise) instead of all d_sae.
@compute @workgroup_size(SAE_WG)
fn saeDecode(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let n = saeThread(wid, nwg, lid);
  if (n >= st.rows * p.d_in) { return; }
  let b = n / p.d_in;
  let i = n % p.d_in;
  var s = d_params[p.b_dec + i];
  for (var t = 0u; t < p.list; t++) {
    let j = d_idx[b * p.list + t];
    if (j == NONE) { break; }
    s += d_val[b * p.list + t] * d_params[p.w_dec + j * p.d_in + i];
  }
  var a = 0.0;
  for (var t = 0u; t < p.k_aux; t++) { a += d_aux_val[b * p.k_aux + t] * d_params[p.w_dec + d_aux_idx[b * p.k_aux + t] * p.d_in + i]; }
  d_xhat[n] = s;
  d_ehat[n] = a;
}

@group(0) @binding(2) var<storage, read> l_x: array<f32>;
@group(0) @binding(3) var<storage, read> l_xhat: array<f32>;
@group(0) @binding(4) var<storage, read> l_ehat: array<f32>;
@group(0) @binding(5) var<storage, read> l_counters: array<u32>;    // (d_sae) samples since each latent fired
@group(0) @binding(6) var<storage, read_write> l_loss: array<f32>;  // (8) recon, Σe², aux, d aux/d ê scale, penalty
@group(0) @binding(7) var<storage, read_write> l_sums: array<f32>;  // (4) Σ recon, Σ aux, steps over the epoch, Σ penalty
@group(0) @binding(8) var<storage, read> l_latent: array<vec2f>;    // (d_sae) Σ_b z_bj, Σ_b [z_bj > 0] of the batch
@group(0) @binding(9) var<storage, read> l_norms: array<f32>;       // (d_sae) ‖W_dec,j‖ (L1 only)

var<workgroup> l_part: array<vec3f, SAE_WG>;
var<workgroup> l_dead: atomic<u32>;

// One workgroup: the AuxK normaliser is the whole batch's residual energy, so the loss needs one reduction. The
// penalty is JumpReLU's l0_weight·Σ_j H(h_j − θ_j) (= the active count, θ > 0) or L1's λ·Σ_j z_j·‖W_dec,j‖, a batch mean.
@compute @workgroup_size(SAE_WG)
fn saeLoss(@builtin(local_invocation_index) lid: u32) {
  if (lid == 0u) { atomicStore(&l_dead, 0u); }
  var acc = vec3f(0.0);
  for (var n = lid; n < st.rows * p.d_in; n += SAE_WG) {
    let e = l_x[n] - l_xhat[n];
    acc += vec3f(e * e, (l_ehat[n] - e) * (l_ehat[n] - e), 0.0);
  }
  var dead = 0u;
  for (var j = lid; j < p.d_sae; j += SAE_WG) {
    dead += select(0u, 1u, l_counters[j] >= p.dead_after);
    if (p.kind == KIND_JUMPRELU) { acc.z += l_latent[j].y; }
    if (p.kind == KIND_L1) { acc.z += l_latent[j].x * l_norms[j]; }
  }
  l_part[lid] = acc;
  workgroupBarrier();
  atomicAdd(&l_dead, dead);
  for (var s = SAE_WG / 2u; s > 0u; s /= 2u) {
    if (lid < s) { l_part[lid] += l_part[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let energy = l_part[0].x;
    let scale = select(0.0, 2.0 * p.aux_weight / energy, p.k_aux > 0u && atomicLoad(&l_dead) > 0u && energy > 0.0);
    let recon = energy / f32(st.rows * p.d_in);
    let aux = 0.5 * scale * l_part[0].y;
    let weight = select(select(0.0, p.l1_weight, p.kind == KIND_L1), p.l0_weight, p.kind == KIND_JUMPRELU);
    let penalty = weight * l_part[0].z / f32(st.rows);
    l_loss[0] = recon;
    l_loss[1] = energy;
    l_loss[2] = aux;
    l_loss[3] = scale;
    l_loss[4] = penalty;
    if (st.training == 1u) { l_sums[0] += recon; l_sums[1] += aux; l_sums[2] += 1.0; l_sums[3] += penalty; }
  }
}

@group(0) @binding(2) var<storage, read> q_x: array<f32>;
@group(0) @binding(3) var<storage, read> q_xhat: array<f32>;
@group(0) @binding(4) var<storage, read> q_ehat: array<f32>;
@group(0) @binding(5) var<storage, read> q_loss: array<f32>;
@group(0) @binding(6) var<storage, read_write> q_gx: array<f32>;   // (batch, d_in) d loss / d x̂
@group(0) @binding(7) var<storage, read_write> q_ge: array<f32>;   // (batch, d_in) d loss / d ê (residual held constant)

@compute @workgroup_size(SAE_WG)
fn saeLossGrad(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let n = saeThread(wid, nwg, lid);
  if (n >= st.rows * p.d_in) { return; }
  q_gx[n] = 2.0 * (q_xhat[n] - q_x[n]) / f32(st.rows * p.d_in);
  q_ge[n] = q_loss[3] * (q_ehat[n] - (q_x[n] - q_xhat[n]));
}
