; Every import spec; its optional `name` is the local alias.
(import_spec) @import
