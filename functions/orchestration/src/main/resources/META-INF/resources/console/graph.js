// A run as a mermaid flowchart: a node per step instance, labelled with its state and coloured by it, and an edge
// from every instance of a step to every instance of the steps that depend on it.
const COLOURS = {
  SUCCEEDED: 'fill:#c8e6c9,stroke:#1b7f3b', FAILED: 'fill:#ffcdd2,stroke:#b00020',
  RUNNING: 'fill:#bbdefb,stroke:#1a56b0', DISPATCHED: 'fill:#bbdefb,stroke:#1a56b0',
  SKIPPED: 'fill:#eeeeee,stroke:#999999', CANCELLED: 'fill:#eeeeee,stroke:#999999',
};

/** Text mermaid shows as it is: no quotes, brackets or markup from step names reach its parser. */
function label(text) {
  return String(text).replace(/[^\w .:\-[\]]/g, '_').replace(/\[/g, '#91;').replace(/]/g, '#93;');
}

export function graphText(steps, depends) {
  const ids = new Map(steps.map((step, i) => [step.instance, `s${i}`]));
  const lines = ['flowchart LR'];
  Object.entries(COLOURS).forEach(([state, style]) => lines.push(`  classDef ${state} ${style}`));
  steps.forEach((step) => {
    const id = ids.get(step.instance);
    lines.push(`  ${id}["${label(step.instance)}<br>${label(step.state)}"]`);
    if (COLOURS[step.state]) lines.push(`  class ${id} ${step.state}`);
  });
  steps.forEach((step) => (depends[step.step] || []).forEach((upstream) => steps
    .filter((other) => other.step === upstream)
    .forEach((other) => lines.push(`  ${ids.get(other.instance)} --> ${ids.get(step.instance)}`))));
  return lines.join('\n');
}
