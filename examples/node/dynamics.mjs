// Dynamics analysis: record Adam's and Lion's runs on a digits MLP without changing them, and
// print the heavy-tail index of the update noise, the top of the update covariance spectrum and
// the symmetry-constraint deviation of the updates.
import { adam, lion, ready } from 'metaoptim';
import { recordRun } from 'metaoptim/analysis';
import { mlpLayout } from 'metaoptim/nn';
import { digitsMlpTask } from 'metaoptim/tasks';

await ready();
const task = await digitsMlpTask();
const layout = mlpLayout([64, 20, 10], false).tensors;
for (const opt of [adam({ lr: 3e-3 }), lion({ lr: 1e-3 })]) {
  const rec = await recordRun(opt, task, {
    steps: 60, layout, dims: { input: 64, hidden: 20, output: 10 }, checkpointSteps: [50], checkpointBatches: Array.from({ length: 16 }, (_, i) => i),
  });
  const a = rec.checkpoints[0];
  const sym = rec.symmetry.at(-1);
  console.log(`${opt.name}: loss ${rec.losses[0].toFixed(3)} → ${rec.losses.at(-1).toFixed(3)}; at step 50 update tail index ${a.update.blockSumAlpha.toFixed(2)}, λmax ${a.update.covariance.lambdaMax.toExponential(2)}; |D| translation ${sym.update.translation.toExponential(2)}`);
}
task.dispose();
