// Each latent's top_n highest activations over the held-out split with their sample indices, highest first, kept
// batch by batch after the evaluation's codes (src/sae/inspect.ts; the evaluation itself counts the firings). One
// thread per latent walks the batch's rows in sample order, so the lists are exact and deterministic (ties keep the
// earlier sample) and need no atomics. The code z is read densely, so the pass serves every SAE kind.

struct SaeInspect {
  d_sae: u32, // latents (columns of z)
  top_n: u32, // entries per latent in the top lists
  pad1: u32,
  pad2: u32,
}

@group(0) @binding(0) var<uniform> st: Step;
@group(0) @binding(1) var<uniform> q: SaeInspect;
@group(0) @binding(2) var<storage, read> i_z: array<f32>;          // (batch, d_sae) codes of this batch
@group(0) @binding(3) var<storage, read_write> i_val: array<f32>;   // (d_sae, top_n) highest activations, 0 when unused
@group(0) @binding(4) var<storage, read_write> i_idx: array<u32>;   // (d_sae, top_n) their sample indices, ~0 when unused

@compute @workgroup_size(64)
fn saeInspect(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let j = groupIndex(wid, nwg) * 64u + lid;
  if (j >= q.d_sae) { return; }
  let base = j * q.top_n;
  var lowest = i_val[base + q.top_n - 1u]; // the smallest kept activation: only larger ones enter
  for (var r = 0u; r < st.rows; r++) {
    let v = i_z[r * q.d_sae + j];
    if (v <= lowest) { continue; } // lowest ≥ 0: codes that did not fire never enter
    // Insertion from the bottom: entries below v move down one place, the last one drops out.
    var at = q.top_n - 1u;
    while (at > 0u && i_val[base + at - 1u] < v) {
      i_val[base + at] = i_val[base + at - 1u];
      i_idx[base + at] = i_idx[base + at - 1u];
      at--;
    }
    i_val[base + at] = v;
    i_idx[base + at] = st.batch_start + r;
    lowest = i_val[base + q.top_n - 1u];
  }
}
