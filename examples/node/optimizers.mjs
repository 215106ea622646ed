// Optimizers and the training loop: train a 64-20-10 MLP on the digits data with five
// optimizers through `train`, and print each one's test accuracy.
// Run: node examples/node/optimizers.mjs   (after npm run build; imports resolve through
// package.json "exports", as for any user of the package)
import { adam, adamw, eve, lion, momentum, ready, train } from 'metaoptim';
import { digitsMlpTask } from 'metaoptim/tasks';

const info = await ready();
console.log(`build ${info.build}`);
const task = await digitsMlpTask(); // batch 128, split 1,400 / 397
for (const opt of [momentum({ lr: 0.1, momentum: 0.9 }), adam({ lr: 3e-3 }), adamw({ lr: 3e-3, weightDecay: 1e-2 }), eve({ lr: 3e-3 }), lion({ lr: 1e-3 })]) {
  const run = await train(task, opt, { steps: 300, seed: 0, evalSplits: ['train', 'test'] });
  const first = run.losses[0] ?? NaN;
  const test = run.final.test?.accuracy ?? NaN;
  console.log(`${opt.name.padEnd(8)} loss ${first.toFixed(3)} → ${(run.final.train?.loss ?? NaN).toFixed(3)}  test accuracy ${test.toFixed(3)}`);
}
task.dispose();
