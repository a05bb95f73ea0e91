// Per-sample top-k selection (TopK, AuxK): one workgroup per sample (BatchTopK's selection over the batch is
// sae_batch.wgsl). Why a threshold search: k ≤ 256 out of d_sae ≤ 16384 per row rules out a partial sort in workgroup memory (64 KiB at 16384, above the 16 KiB limit);
// instead the k-th largest value is found by bisection on the order-preserving u32 key of the floats — 32 passes,
// each a count of keys ≥ a candidate over the range (len / 256 reads per thread) — then ties at the threshold go to
// the lower index (as in src/ref/sae-kinds.ts) through one scan of per-thread counts. Each thread owns a contiguous
// chunk, so the selected lists come out in ascending order. AuxK selects among the dead latents only
// (k_eff = min(k_aux, dead)).

@group(0) @binding(2) var<storage, read> t_h: array<f32>;           // (batch, d_sae) pre-activations
@group(0) @binding(3) var<storage, read> t_counters: array<u32>;    // (d_sae) samples since each latent fired
@group(0) @binding(4) var<storage, read_write> t_z: array<f32>;     // (batch, d_sae) ReLU of the selected, else 0
@group(0) @binding(5) var<storage, read_write> t_idx: array<u32>;   // (batch, K) selected latents, ascending
@group(0) @binding(6) var<storage, read_write> t_val: array<f32>;   // (batch, K) their codes (0 past k_eff)

// 64 threads a selection: each pass ends in one atomic per thread and barriers, whose cost grows with the threads
// (on CPU adapters a workgroup runs on one core whatever its size; 256 threads were 2–3× slower at d_sae 1024).
const TOPK_WG = 64u;
const SEL_SAMPLE = 0u; // the k largest of one sample's row
const SEL_AUX = 1u;    // the k_aux largest of one row among dead latents

var<workgroup> t_count: atomic<u32>;
var<workgroup> t_total: u32;
var<workgroup> t_gt: array<u32, TOPK_WG>;   // per thread: keys above the threshold, then the write offset
var<workgroup> t_eq: array<u32, TOPK_WG>;   // per thread: keys at the threshold, then how many of them are taken

fn isCandidate(n: u32, mode: u32) -> bool {
  return mode != SEL_AUX || t_counters[n] >= p.dead_after;
}

fn countAtLeast(base: u32, key: u32, lo: u32, hi: u32, mode: u32, lid: u32) -> u32 {
  if (lid == 0u) { atomicStore(&t_count, 0u); }
  workgroupBarrier();
  var c = 0u;
  for (var n = lo; n < hi; n++) { c += select(0u, 1u, isCandidate(n, mode) && orderKey(t_h[base + n]) >= key); }
  atomicAdd(&t_count, c);
  workgroupBarrier();
  if (lid == 0u) { t_total = atomicLoad(&t_count); }
  return workgroupUniformLoad(&t_total);
}

// Selects the k largest of the `len` values from t_h[base]; z gets ReLU of the selected; lists go to row `row`.
fn selectTop(base: u32, len: u32, row: u32, k: u32, mode: u32, lid: u32) {
  let chunk = (len + TOPK_WG - 1u) / TOPK_WG;
  let lo = min(lid * chunk, len);
  let hi = min(lo + chunk, len);
  let keff = min(k, countAtLeast(base, 0u, lo, hi, mode, lid)); // key 0 is below every float: counts the candidates
  // The largest key T with at least keff candidates ≥ T, built bit by bit from the top.
  var T = 0u;
  for (var bit = 31i; bit >= 0i; bit--) {
    let trial = T | (1u << u32(bit));
    if (countAtLeast(base, trial, lo, hi, mode, lid) >= keff) { T = trial; }
  }
  var gt = 0u;
  var eq = 0u;
  for (var n = lo; n < hi; n++) {
    if (!isCandidate(n, mode)) { continue; }
    let key = orderKey(t_h[base + n]);
    gt += select(0u, 1u, key > T);
    eq += select(0u, 1u, key == T);
  }
  t_gt[lid] = gt;
  t_eq[lid] = eq;
  workgroupBarrier();
  if (lid == 0u) { // exclusive scans of 256 counts: cheap next to the 33 passes above
    var above = 0u;
    for (var t = 0u; t < TOPK_WG; t++) { above += t_gt[t]; }
    var need = keff - above; // ties at T to take, lowest index first
    var offset = 0u;
    for (var t = 0u; t < TOPK_WG; t++) {
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
  for (var n = lo; n < hi; n++) {
    let v = max(t_h[base + n], 0.0);
    let key = orderKey(t_h[base + n]);
    var chosen = isCandidate(n, mode) && key > T;
    if (isCandidate(n, mode) && key == T && ties > 0u) { chosen = true; ties--; }
    t_z[base + n] = select(0.0, v, chosen);
    if (chosen) {
      t_idx[row * k + at] = n;
      t_val[row * k + at] = v;
      at++;
    }
  }
  for (var t = keff + lid; t < k; t += TOPK_WG) {
    t_idx[row * k + t] = 0u;
    t_val[row * k + t] = 0.0;
  }
}

@compute @workgroup_size(TOPK_WG)
fn saeTopk(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = groupIndex(wid, nwg);
  if (row >= st.rows) { return; }
  selectTop(row * p.d_sae, p.d_sae, row, p.k, SEL_SAMPLE, lid);
}

@compute @workgroup_size(TOPK_WG)
fn saeTopkAux(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = groupIndex(wid, nwg);
  if (row >= st.rows) { return; }
  selectTop(row * p.d_sae, p.d_sae, row, p.k_aux, SEL_AUX, lid);
}
