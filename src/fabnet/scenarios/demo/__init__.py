"""The demo's stages (one module each), their result records and settings; `fabnet.scenarios.demo_run` runs them."""
