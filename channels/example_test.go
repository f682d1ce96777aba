package channels_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gochannels/channels-jsonrpc/channels"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// A channel is a named queue: Send puts a message on it and Receive takes
// the next one from any of the channels it is given.
func ExampleMemoryLayer() {
	ctx := context.Background()
	layer := channels.NewMemoryLayer(channels.MemoryConfig{Capacity: 2})
	defer layer.Close()

	layer.Send(ctx, "thumbnails", channels.Content{"image": "cat.png", "width": 640})
	layer.Send(ctx, "thumbnails", channels.Content{"image": "dog.png", "width": 320})
	err := layer.Send(ctx, "thumbnails", channels.Content{"image": "cow.png"})
	fmt.Println("third send:", errors.Is(err, channels.ErrChannelFull))

	for range 2 {
		channel, content, err := layer.Receive(ctx, "thumbnails", "emails")
		fmt.Println(channel, content["image"], content["width"], err)
	}

	// With a context that is done, Receive returns at once when nothing waits.
	done, cancel := context.WithCancel(ctx)
	cancel()
	_, _, err = layer.Receive(done, "thumbnails")
	fmt.Println(err)
	// Output:
	// third send: true
	// thumbnails cat.png 640 <nil>
	// thumbnails dog.png 320 <nil>
	// context canceled
}

// A group sends one message to each of its members.
func ExampleMemoryLayer_GroupSend() {
	ctx := context.Background()
	layer := channels.NewMemoryLayer(channels.MemoryConfig{})
	defer layer.Close()

	layer.GroupAdd(ctx, "chat", "client.alice")
	layer.GroupAdd(ctx, "chat", "client.bob")
	layer.GroupSend(ctx, "chat", channels.Content{"text": "hello"})
	layer.GroupDiscard(ctx, "chat", "client.bob")
	layer.GroupSend(ctx, "chat", channels.Content{"text": "bob left"})

	members, _ := layer.GroupChannels(ctx, "chat")
	fmt.Println("members:", members)

	done, cancel := context.WithCancel(ctx)
	cancel() // take what is waiting, do not wait for more
	for _, client := range []string{"client.alice", "client.bob"} {
		for {
			_, content, err := layer.Receive(done, client)
			if err != nil {
				break
			}
			fmt.Println(client, "got", content["text"])
		}
	}
	// Output:
	// members: [client.alice]
	// client.alice got hello
	// client.alice got bob left
	// client.bob got hello
}

// A Router sends each message to the first route whose channel and filters
// match it. Named groups of the patterns become the message's Kwargs;
// Include cuts what its own filters matched off the path before its routes
// see it.
func ExampleRouter() {
	show := func(name string) channels.Consumer {
		return channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
			fmt.Println(name, m.Kwargs)
			return nil
		})
	}
	router, err := channels.NewRouter(
		channels.Route("websocket.receive", show("room"), channels.Path(`^/rooms/(?P<room>[a-z]+)/$`)),
		channels.Include([]channels.Routing{
			channels.Route("http.request", show("user"), channels.Path(`^/users/(?P<id>[0-9]+)/$`)),
			channels.Route("http.request", show("users"), channels.Path(`^/users/$`)),
		}, channels.Path(`^/api/v(?P<version>[0-9]+)`)),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	for _, m := range []*channels.Message{
		channels.NewMessage("websocket.receive", channels.Content{"path": "/rooms/lobby/"}),
		channels.NewMessage("http.request", channels.Content{"path": "/api/v2/users/42/"}),
		channels.NewMessage("http.request", channels.Content{"path": "/api/v1/users/"}),
		channels.NewMessage("http.request", channels.Content{"path": "/rooms/lobby/"}),
	} {
		if err := router.Consume(ctx, m); err != nil {
			fmt.Println(err)
		}
	}
	fmt.Println(router.Channels())
	// Output:
	// room map[room:lobby]
	// user map[id:42 version:2]
	// users map[version:1]
	// channels: no route for channel "http.request", path "/rooms/lobby/"
	// [http.request websocket.receive]
}

// Room is a class-style WebSocket consumer: it embeds WebsocketConsumer,
// whose Groups every connection joins, and defines the hooks it needs.
type Room struct {
	channels.WebsocketConsumer
}

// Connect accepts the connection and greets it with the room of its path.
func (r *Room) Connect(ctx context.Context, m *channels.Message) error {
	if err := m.Accept(ctx); err != nil {
		return err
	}
	return m.SendText(ctx, "welcome to "+m.Kwargs["room"])
}

// Receive sends each text frame to everyone in the room.
func (r *Room) Receive(ctx context.Context, m *channels.Message) error {
	text, _ := m.Text()
	return m.Group("room").Send(ctx, channels.Content{"text": strings.ToUpper(text)})
}

// A consumer type embedding WebsocketConsumer is routed with AsRoute and
// tested with package channelstest, with no network. Room, declared beside
// this example, accepts and greets in Connect and broadcasts in Receive.
func ExampleAsRoute() {
	t := docT{} // in a test: the test's *testing.T
	room := &Room{channels.WebsocketConsumer{Groups: []string{"room"}}}
	env := channelstest.New(t, channels.AsRoute(room, channels.Path(`^/chat/(?P<room>[a-z]+)/$`)))

	alice, bob := env.Client(), env.Client()
	alice.Connect("/chat/lobby/") // joins "room", then Connect accepts
	bob.Connect("/chat/lobby/")
	fmt.Println("alice:", alice.Receive())
	fmt.Println("bob:", bob.Receive())

	alice.SendTextAndConsume("websocket.receive", "hi")
	fmt.Println("alice:", alice.Receive())
	fmt.Println("bob:", bob.Receive())

	// Disconnecting leaves the groups.
	alice.SendAndConsume("websocket.disconnect", channels.Content{"code": 1000})
	bob.SendTextAndConsume("websocket.receive", "bye")
	fmt.Println("alice:", alice.Receive())
	fmt.Println("bob:", bob.Receive())
	// Output:
	// alice: welcome to lobby
	// bob: welcome to lobby
	// alice: HI
	// bob: HI
	// alice: <nil>
	// bob: BYE
}

// The channel session of a connection is stored under a key derived from
// its reply channel, as Django Channels derives it.
func ExampleChannelSessionKey() {
	key := channels.ChannelSessionKey("websocket.send!AbCdEfGhIjKl")
	fmt.Println(key, len(key))
	// Output: chn7e915cc8de438651d25eb6bed439c 32
}

// A consumer that must answer only once its changes to the session are
// saved opens and saves the session itself, where ChannelSession would
// save it after the consumer returns.
func ExampleChannelSessions() {
	ctx := context.Background()
	store := channels.NewMemorySessionStore()
	sessions := channels.NewChannelSessions(store)
	visit := func(m *channels.Message) {
		s, err := sessions.Open(ctx, m)
		if err != nil {
			fmt.Println(err)
			return
		}
		n, _ := s.Int("visits")
		s.Set("visits", n+1)
		if err := sessions.Save(ctx, s); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("visit", n+1) // the answer goes out here, once saved
	}
	for range 2 {
		visit(channels.NewMessage("websocket.receive", channels.Content{"reply_channel": "websocket.send!abc"}))
	}
	visit(channels.NewMessage("websocket.receive", channels.Content{}))
	// Output:
	// visit 1
	// visit 2
	// channels: channel session: channels: message has no reply_channel
}

// docT stands in for the *testing.T of a test in these examples.
type docT struct{}

func (docT) Helper()                        {}
func (docT) Log(args ...any)                {}
func (docT) Fatalf(format string, a ...any) { panic(fmt.Sprintf(format, a...)) }
func (docT) Cleanup(func())                 {}
