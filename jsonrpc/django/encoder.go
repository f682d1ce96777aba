package django

import "reflect"

// Encoder is a jsonrpc.Encoder that writes JSON the way Django's
// DjangoJSONEncoder does, so that clients written against a
// django-channels-jsonrpc server read the same strings from a Go server.
//
// Output is that of [encoding/json.Marshal] (compact, HTML-safe, map keys
// sorted, struct fields by their json tags with the name, "-", omitempty,
// omitzero and string options, embedded structs promoted, []byte as base64,
// values implementing [json.Marshaler] or [encoding.TextMarshaler] encoded by
// their own method), except for the following types, which are always
// written as JSON strings in Django's formats, wherever they occur (struct
// fields, slice and map elements, map keys, behind pointers and interfaces):
//
//   - [time.Time]: ECMA-262 date-time, as Django writes a datetime: the
//     ISO 8601 form with milliseconds, "2024-01-02T03:04:05.123Z". The
//     fraction is the microseconds cut to three digits (not rounded), and is
//     left out when the microseconds are zero ("2024-01-02T03:04:05Z"), so
//     999 nanoseconds or less are ignored and 1µs writes ".000". A zero UTC
//     offset is written "Z", any other offset as "+02:00" or "-05:30"
//     ("+05:53:28" when it has seconds). Years outside 0..9999 are an error.
//   - [Date]: "2024-01-02".
//   - [TimeOfDay]: "15:04:05", or "15:04:05.123" when it has microseconds
//     (cut to milliseconds as for [time.Time]).
//   - [time.Duration]: Django's duration_iso_string, "P{days}DT{HH}H{MM}M{SS}S"
//     with ".ffffff" microseconds before the "S" when they are not zero and
//     a leading "-" for negative durations: "P1DT02H03M04S",
//     "P0DT00H00M00.000005S", "-P1DT00H00M00S". Nanoseconds below one
//     microsecond are dropped (truncated toward zero).
//   - [Decimal], *[big.Float] and *[big.Rat]: the decimal as Python's
//     str(Decimal) writes it, see [Decimal].
//   - UUIDs: any array type of 16 bytes (for example github.com/google/uuid's
//     UUID or a plain [16]byte) as "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" in
//     lower-case hexadecimal.
//
// Only these exact types are concerned: a type defined on one of them (type
// MyTime time.Time) is encoded as encoding/json would encode it. Errors are
// those of encoding/json ([json.UnsupportedTypeError],
// [json.UnsupportedValueError], [json.MarshalerError]) or describe the value
// Django could not represent. Encoder is safe for concurrent use.
type Encoder struct{}

// Marshal returns the JSON encoding of v. See [Encoder].
func (Encoder) Marshal(v any) ([]byte, error) {
	e := &state{}
	if err := e.value(reflect.ValueOf(v)); err != nil {
		return nil, err
	}
	return e.buf, nil
}
