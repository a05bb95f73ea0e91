// Per-sample top-k selection for the TopK SAE: one workgroup per sample. Why a threshold search: k ≤ 256 out of
// d_sae ≤ 16384 per row, and a partial sort would need the row in workgroup memory (64 KiB at 16384, above the 16 KiB
// limit) or many passes; instead the k-th largest value is found by bisection on the order-preserving u32 key of the
// floats — 32 passes, each a count of keys ≥ a candidate over the row (d_sae / 256 reads per thread) — then ties at
// the threshold go to the lower index (as in src/ref/sae.ts) through one scan of per-thread counts. Each thread owns
// a contiguous chunk of the row, so the selected lists come out in ascending latent order. The AuxK entry does the
// same over the dead latents only (k_eff = min(k_aux, dead)).

@group(0) @binding(2) var<storage, read> t_h: array<f32>;           // (batch, d_sae) pre-activations
@group(0) @binding(3) var<storage, read> t_counters: array<u32>;    // (d_sae) samples since each latent fired
@group(0) @binding(4) var<storage, read_write> t_z: array<f32>;     // (batch, d_sae) ReLU of the selected, else 0
@group(0) @binding(5) var<storage, read_write> t_idx: array<u32>;   // (batch, K) selected latents, ascending
@group(0) @binding(6) var<storage, read_write> t_val: array<f32>;   // (batch, K) their codes (0 past k_eff)

var<workgroup> t_count: atomic<u32>;
var<workgroup> t_total: u32;
var<workgroup> t_gt: array<u32, SAE_WG>;   // per thread: keys above the threshold, then the write offset
var<workgroup> t_eq: array<u32, SAE_WG>;   // per thread: keys at the threshold, then how many of them are taken

// Monotone map f32 → u32: a < b exactly when key(a) < key(b) (for non-NaN values); −0 maps to +0's key, so the two
// zeros tie as they do in the reference.
fn orderKey(v: f32) -> u32 {
  let b = select(bitcast<u32>(v), 0u, bitcast<u32>(v) == 0x80000000u);
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

fn isCandidate(j: u32, aux: bool) -> bool {
  return !aux || t_counters[j] >= p.dead_after;
}

fn countAtLeast(row: u32, key: u32, lo: u32, hi: u32, aux: bool, lid: u32) -> u32 {
  if (lid == 0u) { atomicStore(&t_count, 0u); }
  workgroupBarrier();
  var c = 0u;
  for (var j = lo; j < hi; j++) { c += select(0u, 1u, isCandidate(j, aux) && orderKey(t_h[row * p.d_sae + j]) >= key); }
  atomicAdd(&t_count, c);
  workgroupBarrier();
  if (lid == 0u) { t_total = atomicLoad(&t_count); }
  return workgroupUniformLoad(&t_total);
}

fn selectTop(row: u32, k: u32, aux: bool, lid: u32) {
  let chunk = (p.d_sae + SAE_WG - 1u) / SAE_WG;
  let lo = min(lid * chunk, p.d_sae);
  let hi = min(lo + chunk, p.d_sae);
  let keff = min(k, countAtLeast(row, 0u, lo, hi, aux, lid)); // key 0 is below every float: counts the candidates
  // The largest key T with at least keff candidates ≥ T, built bit by bit from the top.
  var T = 0u;
  for (var bit = 31i; bit >= 0i; bit--) {
    let trial = T | (1u << u32(bit));
    if (countAtLeast(row, trial, lo, hi, aux, lid) >= keff) { T = trial; }
  }
  var gt = 0u;
  var eq = 0u;
  for (var j = lo; j < hi; j++) {
    if (!isCandidate(j, aux)) { continue; }
    let key = orderKey(t_h[row * p.d_sae + j]);
    gt += select(0u, 1u, key > T);
    eq += select(0u, 1u, key == T);
  }
  t_gt[lid] = gt;
  t_eq[lid] = eq;
  workgroupBarrier();
  if (lid == 0u) { // exclusive scans of 256 counts: cheap next to the 33 passes above
    var above = 0u;
    for (var t = 0u; t < SAE_WG; t++) { above += t_gt[t]; }
    var need = keff - above; // ties at T to take, lowest index first
    var offset = 0u;
    for (var t = 0u; t < SAE_WG; t++) {
      let take = min(need, t_eq[t]);
      need -= take;
      let count = t_gt[t] + take;
      t_gt[t] = offset;
      t_eq[t] = take;
      offset += count;
    }
  }
  workgroupBarrier();
  var at = t_gt[lid];
  var ties = t_eq[lid];
  for (var j = lo; j < hi; j++) {
    let v = t_h[row * p.d_sae + j];
    let key = orderKey(v);
    var chosen = isCandidate(j, aux) && key > T;
    if (isCandidate(j, aux) && key == T && ties > 0u) { chosen = true; ties--; }
    t_z[row * p.d_sae + j] = select(0.0, max(v, 0.0), chosen);
    if (chosen) {
      t_idx[row * k + at] = j;
      t_val[row * k + at] = max(v, 0.0);
      at++;
    }
  }
  for (var t = keff + lid; t < k; t += SAE_WG) {
    t_idx[row * k + t] = 0u;
    t_val[row * k + t] = 0.0;
  }
}

@compute @workgroup_size(SAE_WG)
fn saeTopk(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = groupIndex(wid, nwg);
  if (row >= st.rows) { return; }
  selectTop(row, p.k, false, lid);
}

@compute @workgroup_size(SAE_WG)
fn saeTopkAux(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = groupIndex(wid, nwg);
  if (row >= st.rows) { return; }
  selectTop(row, p.k_aux, true, lid);
}
