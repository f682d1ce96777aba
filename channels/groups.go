package channels

import "context"

// Group is a named group of channels on a layer: Channels' Group("chat").
// Members are channels (a connection's reply channel, a Django consumer's
// channel_name); a send reaches every member, on every process sharing the
// layer, and skips a member at capacity rather than failing. Memberships
// expire after the layer's group expiry unless added again.
//
//	room := channels.Group{Name: "chat", Layer: m.Layer} // or m.Group("chat")
//	room.Add(ctx, m.ReplyChannel())
//	room.Send(ctx, channels.Content{"text": "hello"})
//
// A Group is a value: making one costs nothing and touches no layer. Its
// methods return ErrNoGroups when the layer is not a GroupLayer.
type Group struct {
	Name  string
	Layer Layer
}

// Group returns the group called name on the message's layer.
func (m *Message) Group(name string) Group { return Group{Name: name, Layer: m.Layer} }

func (g Group) layer() (GroupLayer, error) {
	gl, ok := g.Layer.(GroupLayer)
	if !ok {
		return nil, ErrNoGroups
	}
	return gl, nil
}

// Add adds channel to the group; adding it again refreshes its membership.
func (g Group) Add(ctx context.Context, channel string) error {
	gl, err := g.layer()
	if err != nil {
		return err
	}
	return gl.GroupAdd(ctx, g.Name, channel)
}

// Discard removes channel from the group; it is no error if absent.
func (g Group) Discard(ctx context.Context, channel string) error {
	gl, err := g.layer()
	if err != nil {
		return err
	}
	return gl.GroupDiscard(ctx, g.Name, channel)
}

// Send sends content to every member: a Channels 1-style message such as
// {"text": ...}, which a connection's server writes to its client, or a
// typed event (see SendEvent).
func (g Group) Send(ctx context.Context, content Content) error {
	gl, err := g.layer()
	if err != nil {
		return err
	}
	return gl.GroupSend(ctx, g.Name, content)
}

// SendEvent sends the typed event {"type": typ, fields...} to every member,
// Django's and Go's: Channels 4's group_send. A Django consumer runs its
// handler for typ; a Go connection's consumer gets it on EventChannel.
func (g Group) SendEvent(ctx context.Context, typ string, fields Content) error {
	e, err := event(typ, fields)
	if err != nil {
		return err
	}
	return g.Send(ctx, e)
}

// Channels lists the group's live members, when the layer can
// (GroupLister), or returns ErrNoGroups.
func (g Group) Channels(ctx context.Context) ([]string, error) {
	gl, ok := g.Layer.(GroupLister)
	if !ok {
		return nil, ErrNoGroups
	}
	return gl.GroupChannels(ctx, g.Name)
}

// GroupAdd adds the message's reply channel to the group called name:
// m.Group(name).Add(ctx, m.ReplyChannel()).
func (m *Message) GroupAdd(ctx context.Context, name string) error {
	reply := m.ReplyChannel()
	if reply == "" {
		return ErrNoReplyChannel
	}
	return m.Group(name).Add(ctx, reply)
}

// GroupDiscard removes the message's reply channel from the group called
// name.
func (m *Message) GroupDiscard(ctx context.Context, name string) error {
	reply := m.ReplyChannel()
	if reply == "" {
		return ErrNoReplyChannel
	}
	return m.Group(name).Discard(ctx, reply)
}
