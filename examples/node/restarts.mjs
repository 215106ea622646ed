// GD + proposer restarts on Rastrigin (n = 10): plain gradient descent against gradient descent
// restarted by the embedded surrogate proposer (no network), at the same number of steps.
import { ready, sgd, train } from 'metaoptim';
import { runRestarts, surrogateProposer } from 'metaoptim/restart';
import { rastriginTask } from 'metaoptim/tasks';

await ready();
const task = rastriginTask({ n: 10 });
const result = await runRestarts(task, {
  optimizer: sgd({ lr: 2e-3 }), proposer: surrogateProposer(),
  rounds: 5, stepsPerRound: 40, finalSteps: 200, candidates: 4, pick: 'bestOrCurrent', polishSteps: 15, seed: 1,
});
const accepted = result.rounds.reduce((s, r) => s + (r.counts?.accepted ?? 0), 0);
const gd = await train(task, sgd({ lr: 2e-3 }), { steps: 400, seed: 1, evalSplits: ['train'] });
console.log(`GD alone:        final loss ${gd.final.train?.loss.toFixed(3)}`);
console.log(`GD + surrogate:  final loss ${result.final.train?.loss.toFixed(3)} (${result.rounds.length} rounds, ${accepted} proposals accepted)`);
