// The relationship graph of an object, drawn with cytoscape (served from node_modules by the hub).
import cytoscape from '/console/vendor/cytoscape.esm.min.mjs';

export function drawGraph(container, neighbourhood, onOpen) {
  const elements = [
    ...neighbourhood.nodes.map((n) => ({ data: { id: n.id, label: `${n.type}\n${n.name}`, root: n.id === neighbourhood.root.object.id ? 1 : 0, collection: n.collection } })),
    ...neighbourhood.edges.map((e, i) => ({ data: { id: `e${i}`, source: e.source, target: e.target, label: e.type } })),
  ];
  const cy = cytoscape({
    container,
    elements,
    layout: { name: 'cose', animate: false },
    style: [
      { selector: 'node', style: { label: 'data(label)', 'text-wrap': 'wrap', 'font-size': 10, 'background-color': '#0b4f9c', color: '#111', 'text-valign': 'bottom' } },
      { selector: 'node[root = 1]', style: { 'background-color': '#b35900', width: 40, height: 40 } },
      { selector: 'edge', style: { label: 'data(label)', 'font-size': 9, 'curve-style': 'bezier', 'target-arrow-shape': 'triangle', width: 2, 'line-color': '#767676', 'target-arrow-color': '#767676' } },
    ],
  });
  cy.on('tap', 'node', (ev) => onOpen(ev.target.data('collection'), ev.target.id()));
  return cy;
}
