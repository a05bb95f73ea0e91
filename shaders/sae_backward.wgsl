// TopK SAE backward: the gradient at the pre-activations (through the selected latents only), the decoder's, the
// encoder's with b_enc, and b_dec's (direct term minus the encoder path). Dense loops over the batch: each output
// element is one thread, no atomics, the same summation order as src/ref/sae.ts.

@group(0) @binding(2) var<storage, read> c_params: array<f32>;
@group(0) @binding(3) var<storage, read> c_z: array<f32>;          // (batch, d_sae)
@group(0) @binding(4) var<storage, read> c_zaux: array<f32>;       // (batch, d_sae)
@group(0) @binding(5) var<storage, read> c_gx: array<f32>;         // (batch, d_in)
@group(0) @binding(6) var<storage, read> c_ge: array<f32>;         // (batch, d_in)
@group(0) @binding(7) var<storage, read_write> c_gh: array<f32>;   // (batch, d_sae) d loss / d h

// Only the k + k_aux selected latents of a sample have a non-zero gradient: the others exit at once.
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
  c_gh[n] = s;
}

@group(0) @binding(2) var<storage, read> w_z: array<f32>;
@group(0) @binding(3) var<storage, read> w_zaux: array<f32>;
@group(0) @binding(4) var<storage, read> w_gx: array<f32>;
@group(0) @binding(5) var<storage, read> w_ge: array<f32>;
@group(0) @binding(6) var<storage, read_write> w_grads: array<f32>; // gradient slab

// dW_dec[j, i] = Σ_b z[b, j] gx[b, i] + z_aux[b, j] ge[b, i]
@compute @workgroup_size(SAE_WG)
fn saeDecoderGrad(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let n = saeThread(wid, nwg, lid);
  if (n >= p.d_sae * p.d_in) { return; }
  let j = n / p.d_in;
  let i = n % p.d_in;
  var s = 0.0;
  for (var b = 0u; b < st.rows; b++) {
    s += w_z[b * p.d_sae + j] * w_gx[b * p.d_in + i] + w_zaux[b * p.d_sae + j] * w_ge[b * p.d_in + i];
  }
  w_grads[p.w_dec + n] = s;
}

@group(0) @binding(2) var<storage, read> n_x: array<f32>;
@group(0) @binding(3) var<storage, read> n_params: array<f32>;
@group(0) @binding(4) var<storage, read> n_gh: array<f32>;
@group(0) @binding(5) var<storage, read_write> n_grads: array<f32>;

// dW_enc[i, j] = Σ_b (x[b, i] − b_dec[i]) gh[b, j]; the extra row i = d_in gives db_enc[j] = Σ_b gh[b, j].
@compute @workgroup_size(SAE_WG)
fn saeEncoderGrad(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let n = saeThread(wid, nwg, lid);
  if (n >= (p.d_in + 1u) * p.d_sae) { return; }
  let i = n / p.d_sae;
  let j = n % p.d_sae;
  var s = 0.0;
  if (i < p.d_in) {
    let c = n_params[p.b_dec + i];
    for (var b = 0u; b < st.rows; b++) { s += (n_x[b * p.d_in + i] - c) * n_gh[b * p.d_sae + j]; }
    n_grads[p.w_enc + n] = s;
  } else {
    for (var b = 0u; b < st.rows; b++) { s += n_gh[b * p.d_sae + j]; }
    n_grads[p.b_enc + j] = s;
  }
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
