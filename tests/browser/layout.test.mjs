// The console's graph layout (src/server/console/layout.js) on its own, without a browser: layers, order,
// spacing, cycles, crossings, and its cost at the sizes the console draws.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { REPO } from './harness.mjs';

const { layout, inversions } = createRequire(import.meta.url)(path.join(REPO, 'src/server/console/layout.js'));
const nodes = (ids, w = 100, h = 40) => ids.map((id) => ({ id, w, h }));
const edges = (pairs) => pairs.map(([from, to]) => ({ from, to }));

/* No two nodes of a column overlap (with the gap), every edge goes left to right unless reversed. */
function assertSane(r, gap = 0) {
  const cols = new Map();
  for (const [id, p] of r.nodes) (cols.get(p.layer) || cols.set(p.layer, []).get(p.layer)).push([id, p]);
  for (const list of cols.values()) {
    list.sort((a, b) => a[1].y - b[1].y);
    for (let i = 1; i < list.length; i++) {
      const [, a] = list[i - 1], [, b] = list[i];
      assert.ok(b.y - b.h / 2 >= a.y + a.h / 2 + gap - 1e-6, `overlap between ${list[i - 1][0]} and ${list[i][0]}`);
    }
  }
  for (const e of r.edges) {
    const a = r.nodes.get(e.from), b = r.nodes.get(e.to);
    if (!e.reversed && e.from !== e.to) assert.ok(a.layer < b.layer, `${e.from} -> ${e.to} goes left to right`);
  }
}

describe('graph layout', () => {
  it('puts each node one layer after its latest predecessor', () => {
    const r = layout(nodes(['s', 'a', 'b', 'c', 't']), edges([['s', 'a'], ['a', 'b'], ['b', 't'], ['s', 'c'], ['c', 't']]));
    const L = (id) => r.nodes.get(id).layer;
    assert.deepEqual([L('s'), L('a'), L('b'), L('c'), L('t')], [0, 1, 2, 1, 3]);
    assertSane(r, 18);
    const st = r.edges.find((e) => e.from === 'c' && e.to === 't');
    assert.equal(st.points.length, 3, 'an edge over two layers passes through one bend');
    assert.equal(st.points[0][0], r.nodes.get('c').x + 50, 'it leaves by the right side');
    assert.equal(st.points[2][0], r.nodes.get('t').x - 50, 'and enters by the left');
  });

  it('pulls a source next to what it feeds', () => {
    const r = layout(nodes(['a', 'b', 'c', 'x']), edges([['a', 'b'], ['b', 'c'], ['x', 'c']]));
    assert.equal(r.nodes.get('x').layer, 1);
  });

  it('breaks cycles and draws the back edge', () => {
    const r = layout(nodes(['a', 'b', 'c']), edges([['a', 'b'], ['b', 'c'], ['c', 'a'], ['b', 'b']]));
    assertSane(r);
    assert.equal(r.edges.filter((e) => e.reversed).length, 1);
    assert.ok(r.edges.every((e) => e.points.length >= 2 && e.points.flat().every(Number.isFinite)));
  });

  it('removes crossings that a naive order has', () => {
    // given in an order that crosses: a->d, b->c
    const r = layout(nodes(['a', 'b', 'd', 'c']), edges([['a', 'd'], ['b', 'c'], ['a', 'x'], ['b', 'y']]).concat(edges([['x', 'z'], ['y', 'z']])), {});
    assert.equal(r.crossings, 0);
    // K(3,3) must cross; the count is exact
    const k = layout(nodes(['a', 'b', 'c', 'x', 'y', 'z']), edges([['a', 'x'], ['a', 'y'], ['a', 'z'], ['b', 'x'], ['b', 'y'], ['b', 'z'], ['c', 'x'], ['c', 'y'], ['c', 'z']]));
    assert.equal(k.crossings, 9);
  });

  it('counts inversions', () => {
    assert.equal(inversions([0, 1, 2, 3], 4), 0);
    assert.equal(inversions([3, 2, 1, 0], 4), 6);
    assert.equal(inversions([1, 0, 1, 0], 2), 3);
  });

  it('lays out a 200-node workflow quickly, without overlaps, with few crossings', () => {
    // a workflow shape: a chain of 40 steps, each a trigger fanning out to 4 jobs that a trigger joins
    const ids = [], es = [];
    let prev = 'start';
    ids.push(prev);
    for (let i = 0; ids.length < 200; i++) {
      const jobs = [0, 1, 2, 3].map((k) => `j${i}-${k}`);
      const join = `t${i}`;
      ids.push(...jobs, join);
      for (const j of jobs) es.push([prev, j], [j, join]);
      prev = join;
    }
    const t = performance.now();
    const r = layout(nodes(ids.slice(0, 200), 178, 52), edges(es.filter(([a, b]) => ids.indexOf(a) < 200 && ids.indexOf(b) < 200)));
    const ms = performance.now() - t;
    assertSane(r, 16);
    assert.equal(r.crossings, 0, 'a series of fans needs no crossing');
    assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
  });
});
