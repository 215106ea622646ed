/** @module metaoptim/data */
export { type Dataset, type SplitDataset, loadDigits, loadIris, loadWine, splitDataset, standardize, subset } from './datasets.js';
export { type DataFile, readDataText } from './source.js';
