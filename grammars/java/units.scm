; Where a unit starts in Java: types (nested types are qualified by their outer type),
; methods and constructors (`Class.<init>`). Lambdas are not units: their code belongs
; to the enclosing method.

(class_declaration name: (identifier) @name) @unit.class
(interface_declaration name: (identifier) @name) @unit.class
(enum_declaration name: (identifier) @name) @unit.class
(record_declaration name: (identifier) @name) @unit.class
(method_declaration name: (identifier) @name) @unit.method
(constructor_declaration name: (identifier) @name) @unit.method
(compact_constructor_declaration name: (identifier) @name) @unit.method
