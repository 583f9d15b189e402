// The simulator for the tests under test/host, imported in this one place (it may move).
export { startSimulator, type Simulator, type SimulatorOptions } from '../../../simulator/src';
