// The codes of the kinds without a per-sample top-k, and their gradient pieces: saeCodes writes z and the per-sample
// lists the sparse decode reads (JumpReLU z = h·H(h − θ), L1 ReLU(h), BatchTopK's selection from saeBatchTopk in
// training or h·[h > θ] at evaluation); saeThresholdGrad is JumpReLU's θ gradient, saeL1DecoderGrad the decoder-norm
// term of the L1 penalty. The formulas are those of src/ref/sae-kinds.ts, which cites the papers.

@group(0) @binding(2) var<storage, read> o_h: array<f32>;           // (batch, d_sae) pre-activations
@group(0) @binding(3) var<storage, read> o_params: array<f32>;      // parameter slab (θ)
@group(0) @binding(4) var<storage, read_write> o_z: array<f32>;     // (batch, d_sae) codes
@group(0) @binding(5) var<storage, read_write> o_idx: array<u32>;   // (batch, d_sae) active latents, ascending, then NONE
@group(0) @binding(6) var<storage, read_write> o_val: array<f32>;   // (batch, d_sae) their codes

var<workgroup> o_offset: array<u32, SAE_WG>;
var<workgroup> o_total: u32;

fn codeAt(n: u32, j: u32) -> f32 {
  let h = o_h[n];
  if (p.kind == KIND_BATCHTOPK && st.training == 1u) { return o_z[n]; } // selected by saeBatchTopk
  if (p.kind == KIND_L1) { return max(h, 0.0); }
  return select(0.0, h, h > o_params[p.threshold + j]); // JumpReLU, and BatchTopK at evaluation
}

// One workgroup per sample: codes, a count per thread's chunk, one scan, then the list in ascending latent order.
@compute @workgroup_size(SAE_WG)
fn saeCodes(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = groupIndex(wid, nwg);
  if (row >= st.rows) { return; }
  let chunk = (p.d_sae + SAE_WG - 1u) / SAE_WG;
  let lo = min(lid * chunk, p.d_sae);
  let hi = min(lo + chunk, p.d_sae);
  var count = 0u;
  for (var j = lo; j < hi; j++) {
    let v = codeAt(row * p.d_sae + j, j);
    o_z[row * p.d_sae + j] = v;
    count += select(0u, 1u, v > 0.0);
  }
  o_offset[lid] = count;
  workgroupBarrier();
  if (lid == 0u) {
    var total = 0u;
    for (var t = 0u; t < SAE_WG; t++) {
      let c = o_offset[t];
      o_offset[t] = total;
      total += c;
    }
    o_total = total;
  }
  workgroupBarrier();
  var at = o_offset[lid];
  for (var j = lo; j < hi; j++) {
    let v = o_z[row * p.d_sae + j];
    if (v > 0.0) {
      o_idx[row * p.list + at] = j;
      o_val[row * p.list + at] = v;
      at++;
    }
  }
  if (lid == 0u && o_total < p.list) { o_idx[row * p.list + o_total] = NONE; }
}

@group(0) @binding(2) var<storage, read> j_params: array<f32>;
@group(0) @binding(3) var<storage, read> j_h: array<f32>;            // (batch, d_sae)
@group(0) @binding(4) var<storage, read> j_gx: array<f32>;           // (batch, d_in) d loss / d x̂
@group(0) @binding(5) var<storage, read_write> j_terms: array<f32>;  // (batch, d_sae) each sample's term of dL/dθ_j

// dL/dθ_j = Σ_b −(1/ε)·K((h_bj − θ_j)/ε)·(θ_j·∂L/∂z_bj + l0_weight/rows), K the rectangle on (−½, ½): one thread per
// (sample, latent) writes its term, ∂L/∂z_bj = Σ_i gx_bi·W_dec,ji computed only inside the window; saeThresholdGrad
// sums them per latent. (One thread per latent looping over samples and inputs could exceed llvmpipe's 65,535 loop
// iterations per invocation: sae_batch.wgsl.)
@compute @workgroup_size(SAE_WG)
fn saeThresholdTerms(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let n = saeThread(wid, nwg, lid);
  if (n >= st.rows * p.d_sae) { return; }
  let b = n / p.d_sae;
  let j = n % p.d_sae;
  let theta = j_params[p.threshold + j];
  let u = (j_h[n] - theta) / p.bandwidth;
  var term = 0.0;
  if (u > -0.5 && u < 0.5) {
    var gz = 0.0;
    for (var i = 0u; i < p.d_in; i++) { gz += j_gx[b * p.d_in + i] * j_params[p.w_dec + j * p.d_in + i]; }
    term = -(theta * gz + p.l0_weight / f32(st.rows)) / p.bandwidth;
  }
  j_terms[n] = term;
}

@group(0) @binding(2) var<storage, read> t_terms: array<f32>;        // (batch, d_sae)
@group(0) @binding(3) var<storage, read_write> t_grads: array<f32>;  // gradient slab

@compute @workgroup_size(SAE_WG)
fn saeThresholdGrad(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let j = saeThread(wid, nwg, lid);
  if (j >= p.d_sae) { return; }
  var g = 0.0;
  for (var b = 0u; b < st.rows; b++) { g += t_terms[b * p.d_sae + j]; }
  t_grads[p.threshold + j] = g;
}

@group(0) @binding(2) var<storage, read> m_params: array<f32>;
@group(0) @binding(3) var<storage, read> m_latent: array<vec2f>;     // (d_sae) Σ_b z_bj, Σ_b [z_bj > 0] of the batch
@group(0) @binding(4) var<storage, read> m_norms: array<f32>;        // (d_sae) ‖W_dec,j‖
@group(0) @binding(5) var<storage, read_write> m_grads: array<f32>;

// dW_dec,j += (λ/rows)·(Σ_b z_bj)·W_dec,j/‖W_dec,j‖ (the L1 penalty's own term); after saeDecoderGrad.
@compute @workgroup_size(SAE_WG)
fn saeL1DecoderGrad(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let n = saeThread(wid, nwg, lid);
  if (n >= p.d_sae * p.d_in) { return; }
  let j = n / p.d_in;
  if (m_norms[j] == 0.0) { return; }
  let w = p.w_dec + n;
  m_grads[w] += p.l1_weight / f32(st.rows) * m_latent[j].x * m_params[w] / m_norms[j];
}
