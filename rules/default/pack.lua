-- The reference rule pack: copy this folder to start a merchant's pack.
--
-- pack.lua is the manifest. `api` is the engine's rule API version the
-- pack is written for (the engine refuses any other); `name` and `version`
-- make the generation label recorded on every decision, e.g.
-- "default@1.0.0#a1b2c3d4" (the last part is the content hash).
return {
  name = "default",
  version = "1.0.0",
  api = 1,
  notes = [[
Reference pack: PostNord, DHL Express and UPS mappings, the engine's
default order acceptance, address policy and GXO payload.
]],
}
