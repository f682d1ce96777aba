package jsonrpc

// OpenRPCVersion is the version of the OpenRPC specification
// (https://spec.open-rpc.org) that [Registry.OpenRPC] documents follow.
const OpenRPCVersion = "1.3.2"

// OpenRPCDocument is an OpenRPC document describing a service: the root
// object of the specification, with the fields this package fills.
type OpenRPCDocument struct {
	// OpenRPC is the specification version, [OpenRPCVersion].
	OpenRPC string `json:"openrpc"`
	// Info describes the service.
	Info OpenRPCInfo `json:"info"`
	// Methods are the methods and notification handlers in registration
	// order; never nil, so that it encodes as [] when empty.
	Methods []OpenRPCMethod `json:"methods"`
	// Components holds the schemas referred to with "$ref"; nil when there
	// are none.
	Components *OpenRPCComponents `json:"components,omitempty"`
}

// OpenRPCInfo is the OpenRPC Info Object. Title and Version are required by
// the specification and always encoded, even when empty.
type OpenRPCInfo struct {
	Title       string `json:"title"`
	Version     string `json:"version"`
	Description string `json:"description,omitempty"`
}

// OpenRPCComponents is the OpenRPC Components Object, holding the schemas
// of named struct types (and of recursive named types) by name.
type OpenRPCComponents struct {
	Schemas map[string]*Schema `json:"schemas,omitempty"`
}

// OpenRPCMethod is the OpenRPC Method Object of one registered method.
type OpenRPCMethod struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// ParamStructure is "by-position", or "either" when the params may
	// also be passed by name.
	ParamStructure string `json:"paramStructure"`
	// Params are the parameters in positional order; never nil.
	Params []ContentDescriptor `json:"params"`
	// Result is nil for notification handlers: in OpenRPC, a method
	// without a result may only be called as a notification. A method
	// whose Go function returns no value has a result with schema
	// {"type": "null"}.
	Result *ContentDescriptor `json:"result,omitempty"`
	// Transports lists "websocket" and/or "http", the transports the method
	// may be called over (the "x-transports" specification extension).
	Transports []string `json:"x-transports"`
}

// ContentDescriptor is the OpenRPC Content Descriptor Object of a parameter
// or a result.
type ContentDescriptor struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Required is left out when false, the specification's default.
	Required bool    `json:"required,omitempty"`
	Schema   *Schema `json:"schema"`
	// Variadic marks the last parameter of a variadic function (the
	// "x-variadic" specification extension). Its schema is an array: the
	// value given by name; by position, the remaining params are its items.
	Variadic bool `json:"x-variadic,omitempty"`
}

// OpenRPC describes the registered methods and notification handlers as an
// OpenRPC 1.3.2 document, in registration order, with info as its Info.
//
// Each method has its Doc as description, "x-transports" listing the
// transports it may be called over, paramStructure "by-position" (or
// "either" when its params may be given by name), its params as content
// descriptors (name, required, schema) and, unless it is a notification
// handler, a result named "result".
//
// Schemas are generated from the Go types and describe the JSON that
// [django.Encoder] writes (results encoded with [JSONEncoder] differ for
// time.Duration, an integer of nanoseconds there, and for 16-byte arrays
// without their own text encoding, arrays of numbers there; params are
// decoded by the encoding/json rules, so the same holds for them):
//
//   - bool: "boolean"; integers: "integer", with "minimum": 0 when unsigned;
//     floats: "number"; string: "string"; json.Number: "number".
//   - []byte: "string" with "contentEncoding": "base64".
//   - slices: "array" with "items"; arrays also with "minItems" and
//     "maxItems" set to their length.
//   - maps: "object" with "additionalProperties" (the element's schema).
//   - structs: "object" with "properties" (names as encoding/json gives
//     them, embedded structs promoted) and "required": the fields without
//     omitempty or omitzero, not of pointer type and not reached through an
//     embedded pointer. Named struct types are put once in
//     components.schemas under their name (made unique, and reduced to
//     letters, digits, ".", "-" and "_") and referred to with
//     {"$ref": "#/components/schemas/Name"}, so recursive types end.
//     Recursive named slice, map and array types are put there too.
//   - pointers: the element's schema, nullable: "type" gains "null"
//     (["integer", "null"]); a "$ref" becomes
//     {"oneOf": [{"$ref": ...}, {"type": "null"}]}.
//   - interfaces, json.RawMessage and other types implementing
//     json.Marshaler: {} (any value). Other types implementing
//     encoding.TextMarshaler: "string".
//   - time.Time: "string", "format": "date-time"; [django.Date]: "format": "date";
//     [django.TimeOfDay]: "format": "time" (Django's naive time, without offset);
//     time.Duration: "string" with a "pattern" matching Django's duration
//     ("P1DT02H03M04S"); [django.Decimal], big.Float and big.Rat: "string" with a
//     "pattern" matching Python's decimal strings; 16-byte arrays (UUIDs):
//     "string", "format": "uuid".
//   - fields with the json "string" option: "string".
//   - channels, functions and complex numbers, which cannot be encoded: {}.
//
// The document has no other shared state: each call builds a new one, and
// output is deterministic (maps encode with sorted keys).
func (r *Registry) OpenRPC(info OpenRPCInfo) *OpenRPCDocument {
	g := newOrpcSchemaGen()
	doc := &OpenRPCDocument{OpenRPC: OpenRPCVersion, Info: info, Methods: []OpenRPCMethod{}}
	for _, mi := range r.Methods() {
		doc.Methods = append(doc.Methods, g.method(mi))
	}
	if len(g.components) > 0 {
		doc.Components = &OpenRPCComponents{Schemas: g.components}
	}
	return doc
}

// method is the OpenRPC Method Object of mi, its schemas generated by g.
func (g *orpcSchemaGen) method(mi MethodInfo) OpenRPCMethod {
	m := OpenRPCMethod{
		Name:           mi.Name,
		Description:    mi.Doc,
		ParamStructure: "by-position",
		Params:         make([]ContentDescriptor, 0, len(mi.Params)),
		Transports:     []string{},
	}
	if mi.Named {
		m.ParamStructure = "either"
	}
	if mi.Websocket {
		m.Transports = append(m.Transports, "websocket")
	}
	if mi.HTTP {
		m.Transports = append(m.Transports, "http")
	}
	for i, p := range mi.Params {
		m.Params = append(m.Params, ContentDescriptor{
			Name:     p.Name,
			Required: p.Required,
			Schema:   g.schema(p.Type),
			Variadic: mi.Variadic && i == len(mi.Params)-1,
		})
	}
	if !mi.Notification {
		s := &Schema{Type: SchemaType{"null"}}
		if mi.Result != nil {
			s = g.schema(mi.Result)
		}
		m.Result = &ContentDescriptor{Name: "result", Schema: s}
	}
	return m
}
