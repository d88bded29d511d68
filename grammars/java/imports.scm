; Every import declaration (static or not); wildcard imports bind no single name.
(import_declaration) @import
