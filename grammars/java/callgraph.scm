; Call-graph facts for Java (semdiff/relevance/extract_java.py), one query per file.
; The @unit.* patterns mirror units.scm (same order) so definitions get the units' qualnames.

(class_declaration name: (identifier) @name) @unit.class
(interface_declaration name: (identifier) @name) @unit.class
(enum_declaration name: (identifier) @name) @unit.class
(record_declaration name: (identifier) @name) @unit.class
(method_declaration name: (identifier) @name) @unit.method
(constructor_declaration name: (identifier) @name) @unit.method
(compact_constructor_declaration name: (identifier) @name) @unit.method

(method_invocation name: (identifier) @callee) @call
(object_creation_expression type: (_) @callee) @new
(method_reference) @mref
(import_declaration) @import
(package_declaration) @package
(marker_annotation) @annotation
(annotation) @annotation
; declared types of fields, locals and parameters, for `tokens.verify()` on a typed field
(field_declaration type: (_) @var.type) @var
(local_variable_declaration type: (_) @var.type) @var
(formal_parameter type: (_) @var.type name: (identifier) @var.name) @param
