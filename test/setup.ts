import '../src/polyfills';
