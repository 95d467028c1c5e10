/* glued console: layered left-to-right layout of a directed graph (a workflow's triggers, jobs and crawlers).
 *
 *   GluedLayout.layout(nodes, edges, options) -> {nodes: Map id -> {x, y, w, h, layer, order},
 *                                                  edges: [{from, to, points: [[x, y], ...], reversed}],
 *                                                  width, height}
 *
 * nodes are {id, w, h}; edges {from, to}; x and y are node centres. The steps, after Sugiyama:
 *  1. cycles are broken by reversing the back edges of a depth-first search;
 *  2. longest-path layering (sources then pulled next to their first successor);
 *  3. an edge spanning several layers gets a dummy node in each layer it crosses;
 *  4. crossing reduction: barycentric sweeps down and up, keeping the best order seen, then a transpose pass
 *     swapping neighbours while that removes crossings;
 *  5. vertical positions: each node pulled toward its neighbours' average, with order and spacing kept by an
 *     isotonic regression (pool adjacent violators) per layer.
 * Plain JavaScript with no dependencies: the page loads it as a script, node's tests require it. */
(function (root) {
  'use strict';

  const DEFAULTS = { layerGap: 72, nodeGap: 18, dummyGap: 10, sweeps: 24, passes: 8 };

  /* Inversions of a sequence of small non-negative integers (a Fenwick tree): the crossings between two
   * layers once the edges are sorted by their upper end. */
  function inversions(seq, size) {
    const tree = new Int32Array(size + 1);
    let inv = 0;
    for (let i = seq.length - 1; i >= 0; i--) {
      for (let k = seq[i]; k > 0; k -= k & -k) inv += tree[k];
      for (let k = seq[i] + 1; k <= size; k += k & -k) tree[k]++;
    }
    return inv;
  }

  function layout(inNodes, inEdges, options) {
    const opt = Object.assign({}, DEFAULTS, options || {});
    const n0 = inNodes.length;
    const idx = new Map();
    inNodes.forEach((n, i) => idx.set(n.id, i));

    // unique edges between known nodes; self loops are drawn but not laid out
    const seen = new Set();
    const edges = [];
    for (const e of inEdges) {
      const u = idx.get(e.from), v = idx.get(e.to);
      if (u === undefined || v === undefined) continue;
      const key = u + '>' + v;
      if (seen.has(key)) continue;
      seen.add(key);
      edges.push({ from: e.from, to: e.to, u, v, reversed: false });
    }

    // 1. break cycles: depth-first from the sources, in input order; an edge to a node on the stack is reversed
    const out = Array.from({ length: n0 }, () => []);
    const indeg = new Int32Array(n0);
    edges.forEach((e, k) => {
      if (e.u !== e.v) {
        out[e.u].push(k);
        indeg[e.v]++;
      }
    });
    const state = new Int8Array(n0); // 0 new, 1 on stack, 2 done
    const roots = [];
    for (let i = 0; i < n0; i++) if (indeg[i] === 0) roots.push(i);
    for (let i = 0; i < n0; i++) if (indeg[i] !== 0) roots.push(i);
    for (const r of roots) {
      if (state[r]) continue;
      const stack = [[r, 0]];
      state[r] = 1;
      while (stack.length) {
        const top = stack[stack.length - 1];
        const list = out[top[0]];
        if (top[1] < list.length) {
          const e = edges[list[top[1]++]];
          if (state[e.v] === 1) e.reversed = true;
          else if (state[e.v] === 0) {
            state[e.v] = 1;
            stack.push([e.v, 0]);
          }
        } else {
          state[top[0]] = 2;
          stack.pop();
        }
      }
    }

    // the acyclic graph
    const succ = Array.from({ length: n0 }, () => []);
    const pred = Array.from({ length: n0 }, () => []);
    for (const e of edges) {
      if (e.u === e.v) continue;
      const a = e.reversed ? e.v : e.u, b = e.reversed ? e.u : e.v;
      succ[a].push(b);
      pred[b].push(a);
    }

    // 2. longest-path layering in topological order
    const layer = new Int32Array(n0);
    const remaining = Int32Array.from(pred.map((p) => p.length));
    const queue = [];
    for (let i = 0; i < n0; i++) if (remaining[i] === 0) queue.push(i);
    const topo = [];
    while (queue.length) {
      const a = queue.shift();
      topo.push(a);
      for (const b of succ[a]) {
        layer[b] = Math.max(layer[b], layer[a] + 1);
        if (--remaining[b] === 0) queue.push(b);
      }
    }
    // a source sits just before its nearest successor (a watched job next to the trigger watching it)
    for (let t = topo.length - 1; t >= 0; t--) {
      const a = topo[t];
      if (pred[a].length === 0 && succ[a].length) layer[a] = Math.min(...succ[a].map((b) => layer[b])) - 1;
    }
    let nl = 0;
    for (let i = 0; i < n0; i++) nl = Math.max(nl, layer[i] + 1);

    // 3. dummies: node i >= n0 is a dummy; chains[k] lists the nodes edge k passes through, in layer order
    const W = inNodes.map((n) => n.w), H = inNodes.map((n) => n.h);
    const L = Array.from(layer);
    const up = Array.from({ length: n0 }, () => []); // neighbours in the layer before
    const down = Array.from({ length: n0 }, () => []); // neighbours in the layer after
    const chains = edges.map((e) => {
      if (e.u === e.v) return null;
      const a = e.reversed ? e.v : e.u, b = e.reversed ? e.u : e.v;
      const chain = [a];
      let prev = a;
      for (let l = L[a] + 1; l < L[b]; l++) {
        const d = W.length;
        W.push(0);
        H.push(0);
        L.push(l);
        up.push([]);
        down.push([]);
        down[prev].push(d);
        up[d].push(prev);
        chain.push(d);
        prev = d;
      }
      down[prev].push(b);
      up[b].push(prev);
      chain.push(b);
      return chain;
    });
    const total = W.length;

    // 4. ordering: start from a depth-first order, then sweep
    const layers = Array.from({ length: nl }, () => []);
    const placed = new Uint8Array(total);
    const visit = (s) => {
      const st = [s];
      while (st.length) {
        const a = st.pop();
        if (placed[a]) continue;
        placed[a] = 1;
        layers[L[a]].push(a);
        for (let k = down[a].length - 1; k >= 0; k--) if (!placed[down[a][k]]) st.push(down[a][k]);
      }
    };
    for (const a of topo) if (up[a].length === 0) visit(a);
    for (let a = 0; a < total; a++) if (!placed[a]) visit(a);
    const pos = new Int32Array(total);
    const setPos = () => layers.forEach((ly) => ly.forEach((a, i) => (pos[a] = i)));
    setPos();

    const crossingsBetween = (l) => {
      const pairs = [];
      for (const a of layers[l]) for (const b of down[a]) pairs.push([pos[a], pos[b]]);
      pairs.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
      return inversions(pairs.map((p) => p[1]), layers[l + 1].length);
    };
    const crossings = () => {
      let c = 0;
      for (let l = 0; l + 1 < nl; l++) c += crossingsBetween(l);
      return c;
    };
    const orderBy = (l, nbrs) => {
      const ly = layers[l];
      const key = new Map();
      for (const a of ly) {
        const list = nbrs[a];
        key.set(a, list.length ? list.reduce((s, b) => s + pos[b], 0) / list.length : pos[a]);
      }
      ly.sort((a, b) => key.get(a) - key.get(b) || pos[a] - pos[b]);
      ly.forEach((a, i) => (pos[a] = i));
    };
    let best = crossings();
    let bestLayers = layers.map((ly) => ly.slice());
    for (let it = 0; it < opt.sweeps && best > 0; it++) {
      if (it % 2 === 0) for (let l = 1; l < nl; l++) orderBy(l, up);
      else for (let l = nl - 2; l >= 0; l--) orderBy(l, down);
      const c = crossings();
      if (c < best) {
        best = c;
        bestLayers = layers.map((ly) => ly.slice());
      }
    }
    bestLayers.forEach((ly, l) => (layers[l] = ly));
    setPos();
    // transpose: crossings that a and b (a just above b) make with one neighbour list, in this order
    const pairCross = (a, b, nbrs) => {
      let c = 0;
      for (const x of nbrs[a]) for (const y of nbrs[b]) if (pos[x] > pos[y]) c++;
      return c;
    };
    for (let round = 0, changed = best > 0; changed && round < 12; round++) {
      changed = false;
      for (const ly of layers) {
        for (let i = 0; i + 1 < ly.length; i++) {
          const a = ly[i], b = ly[i + 1];
          const now = pairCross(a, b, up) + pairCross(a, b, down);
          const swapped = pairCross(b, a, up) + pairCross(b, a, down);
          if (swapped < now) {
            ly[i] = b;
            ly[i + 1] = a;
            pos[a] = i + 1;
            pos[b] = i;
            changed = true;
          }
        }
      }
    }

    // 5. vertical centres
    const Y = new Float64Array(total);
    const sep = (a, b) => H[a] / 2 + H[b] / 2 + (a < n0 && b < n0 ? opt.nodeGap : opt.dummyGap);
    for (const ly of layers) {
      let y = 0;
      ly.forEach((a, i) => {
        if (i > 0) y += sep(ly[i - 1], a);
        Y[a] = y;
      });
    }
    // centre each layer on the tallest, so the first pass starts balanced
    let tallest = 0;
    for (const ly of layers) if (ly.length) tallest = Math.max(tallest, Y[ly[ly.length - 1]]);
    for (const ly of layers) {
      if (!ly.length) continue;
      const shift = (tallest - Y[ly[ly.length - 1]]) / 2;
      for (const a of ly) Y[a] += shift;
    }
    // Places a layer as close as it can to the wanted centres, keeping order and spacing: with o_i the
    // smallest offset of node i from the first, z_i = want_i - o_i must become non-decreasing; pool adjacent
    // violators gives the least-squares such sequence (dummies weigh less than real nodes).
    const place = (ly, want) => {
      const o = new Float64Array(ly.length);
      for (let i = 1; i < ly.length; i++) o[i] = o[i - 1] + sep(ly[i - 1], ly[i]);
      const blocks = []; // [sum of w*z, sum of w, count]
      ly.forEach((a, i) => {
        const w = a < n0 ? 1 : 0.35;
        blocks.push([w * (want[i] - o[i]), w, 1]);
        while (blocks.length > 1) {
          const q = blocks[blocks.length - 1], p = blocks[blocks.length - 2];
          if (p[0] / p[1] <= q[0] / q[1]) break;
          p[0] += q[0];
          p[1] += q[1];
          p[2] += q[2];
          blocks.pop();
        }
      });
      let i = 0;
      for (const b of blocks) {
        const z = b[0] / b[1];
        for (let k = 0; k < b[2]; k++, i++) Y[ly[i]] = z + o[i];
      }
    };
    for (let p = 0; p < opt.passes; p++) {
      const downward = p % 2 === 0;
      const order = downward ? layers : layers.slice().reverse();
      for (const ly of order) {
        if (!ly.length) continue;
        const want = ly.map((a) => {
          const nb = downward ? up[a] : down[a];
          const both = nb.length ? nb : downward ? down[a] : up[a];
          return both.length ? both.reduce((s, b) => s + Y[b], 0) / both.length : Y[a];
        });
        place(ly, want);
      }
    }
    let minTop = Infinity, maxBottom = -Infinity;
    for (let a = 0; a < total; a++) {
      minTop = Math.min(minTop, Y[a] - H[a] / 2);
      maxBottom = Math.max(maxBottom, Y[a] + H[a] / 2);
    }
    if (!isFinite(minTop)) minTop = maxBottom = 0;
    for (let a = 0; a < total; a++) Y[a] -= minTop;

    // horizontal: each layer is a column as wide as its widest node
    const colW = new Float64Array(nl);
    for (let a = 0; a < total; a++) colW[L[a]] = Math.max(colW[L[a]], W[a]);
    const colX = new Float64Array(nl);
    let x = 0;
    for (let l = 0; l < nl; l++) {
      colX[l] = x + colW[l] / 2;
      x += colW[l] + (l + 1 < nl ? opt.layerGap : 0);
    }

    const result = { nodes: new Map(), edges: [], width: x, height: maxBottom - minTop, crossings: crossings() };
    inNodes.forEach((nd, a) => {
      result.nodes.set(nd.id, { x: colX[L[a]], y: Y[a], w: W[a], h: H[a], layer: L[a], order: pos[a] });
    });
    edges.forEach((e, k) => {
      const chain = chains[k];
      let points;
      if (!chain) {
        const a = e.u, cx = colX[L[a]], cy = Y[a], w = W[a] / 2, h = H[a] / 2;
        points = [[cx + w, cy], [cx + w + 24, cy - h - 16], [cx - w - 24, cy - h - 16], [cx - w, cy]];
      } else {
        points = chain.map((a) => [colX[L[a]], Y[a]]);
        const first = chain[0], last = chain[chain.length - 1];
        if (e.reversed) {
          // a back edge leaves and enters by the bottom, so that it does not lie on the forward edge
          points[0] = [colX[L[first]], Y[first] + H[first] / 2];
          points[points.length - 1] = [colX[L[last]], Y[last] + H[last] / 2];
          points.reverse();
        } else {
          points[0] = [colX[L[first]] + W[first] / 2, Y[first]];
          points[points.length - 1] = [colX[L[last]] - W[last] / 2, Y[last]];
        }
      }
      result.edges.push({ from: e.from, to: e.to, points, reversed: e.reversed });
    });
    return result;
  }

  const api = { layout, inversions };
  if (typeof module === 'object' && module.exports) module.exports = api;
  else root.GluedLayout = api;
})(this);
