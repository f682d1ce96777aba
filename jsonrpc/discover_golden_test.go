package jsonrpc

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/gochannels/channels-jsonrpc/jsonrpc/django"
)

// orpcGolden is the document of orpcRegistry, indented by two spaces.
const orpcGolden = `{
  "openrpc": "1.3.2",
  "info": {
    "title": "Test service",
    "version": "1.0.0",
    "description": "For the tests."
  },
  "methods": [
    {
      "name": "add",
      "description": "Adds two integers.",
      "paramStructure": "by-position",
      "params": [
        {
          "name": "arg0",
          "required": true,
          "schema": {
            "type": "integer"
          }
        },
        {
          "name": "arg1",
          "required": true,
          "schema": {
            "type": "integer"
          }
        }
      ],
      "result": {
        "name": "result",
        "schema": {
          "type": "integer"
        }
      },
      "x-transports": [
        "websocket",
        "http"
      ]
    },
    {
      "name": "search",
      "paramStructure": "either",
      "params": [
        {
          "name": "query",
          "required": true,
          "schema": {
            "type": "string"
          }
        },
        {
          "name": "limit",
          "schema": {
            "type": [
              "integer",
              "null"
            ]
          }
        },
        {
          "name": "since",
          "schema": {
            "type": "string",
            "format": "date-time"
          }
        }
      ],
      "result": {
        "name": "result",
        "schema": {
          "type": "array",
          "items": {
            "$ref": "#/components/schemas/orpcHit"
          }
        }
      },
      "x-transports": [
        "websocket",
        "http"
      ]
    },
    {
      "name": "tree",
      "paramStructure": "either",
      "params": [
        {
          "name": "root",
          "required": true,
          "schema": {
            "oneOf": [
              {
                "$ref": "#/components/schemas/orpcTree"
              },
              {
                "type": "null"
              }
            ]
          }
        },
        {
          "name": "depth",
          "required": true,
          "schema": {
            "type": "integer",
            "minimum": 0
          }
        }
      ],
      "result": {
        "name": "result",
        "schema": {
          "$ref": "#/components/schemas/orpcTree"
        }
      },
      "x-transports": [
        "websocket"
      ]
    },
    {
      "name": "log",
      "paramStructure": "by-position",
      "params": [
        {
          "name": "arg0",
          "required": true,
          "schema": {
            "type": "string"
          }
        },
        {
          "name": "arg1",
          "schema": {
            "type": "array",
            "items": {
              "type": "number"
            }
          },
          "x-variadic": true
        }
      ],
      "result": {
        "name": "result",
        "schema": {
          "type": "null"
        }
      },
      "x-transports": [
        "http"
      ]
    },
    {
      "name": "tick",
      "paramStructure": "by-position",
      "params": [
        {
          "name": "arg0",
          "required": true,
          "schema": {
            "type": "string",
            "pattern": "^-?P\\d+DT\\d{2}H\\d{2}M\\d{2}(\\.\\d{6})?S$"
          }
        },
        {
          "name": "arg1",
          "required": true,
          "schema": {
            "type": "string",
            "format": "date"
          }
        }
      ],
      "x-transports": [
        "websocket",
        "http"
      ]
    }
  ],
  "components": {
    "schemas": {
      "orpcHit": {
        "type": "object",
        "properties": {
          "at": {
            "type": "string",
            "format": "time"
          },
          "day": {
            "type": "string",
            "format": "date"
          },
          "id": {
            "type": "string",
            "format": "uuid"
          },
          "next": {
            "oneOf": [
              {
                "$ref": "#/components/schemas/orpcHit"
              },
              {
                "type": "null"
              }
            ]
          },
          "price": {
            "type": "string",
            "pattern": "^-?(\\d+(\\.\\d+)?(E[+-]\\d+)?|Infinity|s?NaN\\d*)$"
          },
          "score": {
            "type": "number"
          }
        },
        "required": [
          "id",
          "score",
          "price",
          "day",
          "at"
        ]
      },
      "orpcOther": {
        "type": "object",
        "properties": {
          "back": {
            "$ref": "#/components/schemas/orpcTree"
          }
        },
        "required": [
          "back"
        ]
      },
      "orpcTree": {
        "type": "object",
        "properties": {
          "by_name": {
            "type": "object",
            "additionalProperties": {
              "$ref": "#/components/schemas/orpcTree"
            }
          },
          "children": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/orpcTree"
            }
          },
          "name": {
            "type": "string"
          },
          "other": {
            "oneOf": [
              {
                "$ref": "#/components/schemas/orpcOther"
              },
              {
                "type": "null"
              }
            ]
          },
          "parent": {
            "oneOf": [
              {
                "$ref": "#/components/schemas/orpcTree"
              },
              {
                "type": "null"
              }
            ]
          }
        },
        "required": [
          "name"
        ]
      }
    }
  }
}`

func TestOpenRPCGolden(t *testing.T) {
	r := orpcRegistry(t)
	doc := r.OpenRPC(OpenRPCInfo{Title: "Test service", Version: "1.0.0", Description: "For the tests."})
	got, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != orpcGolden {
		t.Errorf("document:\n%s", got)
	}
	// Deterministic, and the same through django.Encoder.
	again, _ := json.MarshalIndent(r.OpenRPC(OpenRPCInfo{Title: "Test service", Version: "1.0.0", Description: "For the tests."}), "", "  ")
	if !bytes.Equal(got, again) {
		t.Error("two documents differ")
	}
	dj, err := django.Encoder{}.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(dj, compact.Bytes()) {
		t.Errorf("django.Encoder:\n%s\nencoding/json:\n%s", dj, compact.Bytes())
	}
	// The document reads back into its types.
	var back OpenRPCDocument
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, doc) {
		t.Errorf("read back differs:\n%#v\n%#v", back, *doc)
	}
}
