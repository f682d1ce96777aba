// Package django writes JSON as Django's DjangoJSONEncoder does: Encoder,
// a jsonrpc.Encoder for consumers whose clients were written against a
// django-channels-jsonrpc server, and the Date, TimeOfDay and Decimal types
// Django has and Go lacks.
package django
