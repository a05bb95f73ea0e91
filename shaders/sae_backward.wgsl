// Sparse-autoencoder backward: the gradient at the pre-activations (through the active latents only, plus L1's
// penalty term), the decoder's, the encoder's with b_enc, and b_dec's (direct term minus the encoder path). Dense loops over the batch: each output
// element is one thread, no atomics, the same summation order as src/ref/sae.ts.

@group(0) @binding(2) var<storage, read> c_params: array<f32>;
@group(0) @binding(3) var<storage, read> c_z: array<f32>;          // (batch, d_sae)
@group(0) @binding(4) var<storage, read> c_zaux: array<f32>;       // (batch, d_sae)
@group(0) @binding(5) var<storage, read> c_gx: array<f32>;         // (batch, d_in)
@group(0) @binding(6) var<storage, read> c_ge: array<f32>;         // (batch, d_in)
@group(0) @binding(7) var<storage, read_write> c_gh: array<f32>;   // (batch, d_sae) d loss / d h
@group(0) @binding(8) var<storage, read> c_norms: array<f32>;      // (d_sae) ‖W_dec,j‖ (L1 only)

// Only the active latents of a sample (and AuxK's) have a non-zero gradient: the others exit at once. L1 adds
// d/dz of λ/rows·z_j·‖W_dec,j‖ on active latents.
@compute @workgroup_size(SAE_WG)
fn saeCodeGrad(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let n = saeThread(wid, nwg, lid);
  if (n >= st.rows * p.d_sae) { return; }
  let b = n / p.d_sae;
  let j = n % p.d_sae;
  let on = c_z[n] > 0.0;
  let on_aux = c_zaux[n] > 0.0;
  var s = 0.0;
  if (on || on_aux) {
    for (var i = 0u; i < p.d_in; i++) {
      let w = c_params[p.w_dec + j * p.d_in + i];
      s += select(0.0, c_gx[b * p.d_in + i], on) * w + select(0.0, c_ge[b * p.d_in + i], on_aux) * w;
    }
  }
  if (on && p.kind == KIND_L1) { s += p.l1_weight / f32(st.rows) * c_norms[j]; }
  c_gh[n] = s;
}

@group(0) @binding(2) var<storage, read> w_z: array<f32>;
@group(0) @binding(3) var<storage, read> w_zaux: array<f32>;
@group(0) @binding(4) var<storage, read> w_gx: array<f32>;
@group(0) @binding(5) var<storage, read> w_ge: array<f32>;
@group(0) @binding(6) var<storage, read_write> w_grads: array<f32>; // gradient slab

// dW_dec[j, i..i+3] = Σ_b z[b, j] gx[b, i..] + z_aux[b, j] ge[b, i..]: one thread per row j and 4 columns, so each
// code is loaded once for 4 outputs. Codes are sparse (k + k_aux of d_sae per sample): terms with both codes 0 are
// skipped (they add exactly 0). The sum over b runs in the reference's order.
@compute @workgroup_size(SAE_WG)
fn saeDecoderGrad(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let q = (p.d_in + 3u) / 4u;
  let n = saeThread(wid, nwg, lid);
  if (n >= p.d_sae * q) { return; }
  let j = n / q;
  let i0 = n % q * 4u;
  let live = min(p.d_in - i0, 4u);
  var s = vec4f(0.0);
  for (var b = 0u; b < st.rows; b++) {
    let z = w_z[b * p.d_sae + j];
    let za = w_zaux[b * p.d_sae + j];
    if (z == 0.0 && za == 0.0) { continue; }
    for (var r = 0u; r < live; r++) { s[r] += z * w_gx[b * p.d_in + i0 + r] + za * w_ge[b * p.d_in + i0 + r]; }
  }
  for (var r = 0u; r < live; r++) { w_grads[p.w_dec + j * p.d_in + i0 + r] = s[r]; }
}

@group(0) @binding(2) var<storage, read> n_x: array<f32>;
@group(0) @binding(3) var<storage, read> n_params: array<f32>;
@group(0) @binding(4) var<storage, read> n_gh: array<f32>;
@group(0) @binding(5) var<storage, read_write> n_grads: array<f32>;

// dW_enc[i..i+3, j] = Σ_b (x[b, i..] − b_dec[i..]) gh[b, j]: one thread per latent and 4 input rows, so each gh is
// loaded once for 4 outputs; the extra block past d_in gives db_enc[j] = Σ_b gh[b, j].
@compute @workgroup_size(SAE_WG)
fn saeEncoderGrad(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let q = (p.d_in + 3u) / 4u;
  let n = saeThread(wid, nwg, lid);
  if (n >= (q + 1u) * p.d_sae) { return; }
  let i0 = n / p.d_sae * 4u;
  let j = n % p.d_sae;
  if (i0 >= p.d_in) {
    var t = 0.0;
    for (var b = 0u; b < st.rows; b++) { t += n_gh[b * p.d_sae + j]; }
    n_grads[p.b_enc + j] = t;
    return;
  }
  let live = min(p.d_in - i0, 4u);
  var c = vec4f(0.0);
  for (var r = 0u; r < live; r++) { c[r] = n_params[p.b_dec + i0 + r]; }
  var s = vec4f(0.0);
  for (var b = 0u; b < st.rows; b++) {
    let g = n_gh[b * p.d_sae + j];
    if (g == 0.0) { continue; }
    for (var r = 0u; r < live; r++) { s[r] += (n_x[b * p.d_in + i0 + r] - c[r]) * g; }
  }
  for (var r = 0u; r < live; r++) { n_grads[p.w_enc + (i0 + r) * p.d_sae + j] = s[r]; }
}

@group(0) @binding(2) var<storage, read> a_params: array<f32>;
@group(0) @binding(3) var<storage, read> a_gx: array<f32>;
@group(0) @binding(4) var<storage, read_write> a_grads: array<f32>;

// db_dec[i] = Σ_b gx[b, i] − Σ_j W_enc[i, j] db_enc[j] (h depends on x − b_dec); after saeEncoderGrad.
@compute @workgroup_size(SAE_WG)
fn saeBiasGrad(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = saeThread(wid, nwg, lid);
  if (i >= p.d_in) { return; }
  var s = 0.0;
  for (var b = 0u; b < st.rows; b++) { s += a_gx[b * p.d_in + i]; }
  for (var j = 0u; j < p.d_sae; j++) { s -= a_params[p.w_enc + i * p.d_sae + j] * a_grads[p.b_enc + j]; }
  a_grads[p.b_dec + i] = s;
}
