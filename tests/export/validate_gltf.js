// Validate a .glb/.gltf with the Khronos glTF Validator (npm package "gltf-validator") and
// print its report as JSON.  Usage: node validate_gltf.js FILE   (exit 0 when the report was made)
// Used by tests/export/test_gltf.py, which skips when node or the package is absent.
const fs = require("fs");
const validator = require("gltf-validator");

const file = process.argv[2];
validator
  .validateBytes(new Uint8Array(fs.readFileSync(file)), { uri: file, maxIssues: 100 })
  .then((report) => console.log(JSON.stringify(report)))
  .catch((error) => {
    console.error("validation failed: " + error);
    process.exit(2);
  });
