// The client-generation scenario with Go's sarama (Debian's golang-github-shopify-sarama-dev, built
// offline from /usr/share/gocode): 10 records from an idempotent acks=all producer; a consumer group
// reads them and commits; the group's committed offsets are then read back through the admin API.
// sarama 1.22 has no transactional producer. Prints "OK sarama" and exits 0, or the failure and 1.
//
// Usage: sarama-scenario BOOTSTRAP TOPIC
package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"log"

	"github.com/Shopify/sarama"
)

type handler struct {
	mu     sync.Mutex
	values []string
	done   chan struct{}
	once   sync.Once
}

func (h *handler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *handler) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (h *handler) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for m := range c.Messages() {
		s.MarkMessage(m, "")
		h.mu.Lock()
		h.values = append(h.values, string(m.Value))
		if len(h.values) >= 10 {
			h.once.Do(func() { close(h.done) })
		}
		h.mu.Unlock()
	}
	return nil
}

func fail(format string, args ...interface{}) {
	fmt.Printf("FAILED sarama: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	brokers, topic := []string{os.Args[1]}, os.Args[2]
	if os.Getenv("SARAMA_LOG") != "" {
		sarama.Logger = log.New(os.Stderr, "[sarama] ", log.LstdFlags)
	}
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V2_1_0_0 // Brook, as Kafka 4, closes the connection on Produce v0-2
	cfg.Producer.Idempotent = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Return.Successes = true
	cfg.Net.MaxOpenRequests = 1
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.Offsets.CommitInterval = 100 * time.Millisecond
	// With no retention sarama 1.22 commits with OffsetCommit v1, which Kafka 4 (KIP-896) and Brook no
	// longer accept (the connection is closed); with one it sends v2.
	cfg.Consumer.Offsets.Retention = 24 * time.Hour

	p, err := sarama.NewSyncProducer(brokers, cfg)
	if err != nil {
		fail("producer: %v", err)
	}
	for i := 0; i < 10; i++ {
		msg := &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(fmt.Sprintf("g%d", i)),
			Value: sarama.StringEncoder(fmt.Sprintf("go-%d", i))}
		if _, _, err := p.SendMessage(msg); err != nil {
			fail("send: %v", err)
		}
	}
	p.Close()

	group := fmt.Sprintf("sarama-group-%d", time.Now().UnixNano())
	g, err := sarama.NewConsumerGroup(brokers, group, cfg)
	if err != nil {
		fail("consumer group: %v", err)
	}
	h := &handler{done: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	go func() {
		for ctx.Err() == nil {
			if err := g.Consume(ctx, []string{topic}, h); err != nil && ctx.Err() == nil {
				fmt.Fprintf(os.Stderr, "consume: %v\n", err)
				time.Sleep(200 * time.Millisecond)
			}
		}
	}()
	select {
	case <-h.done:
	case <-ctx.Done():
	}
	time.Sleep(500 * time.Millisecond) // let the commit interval pass
	cancel()
	if err := g.Close(); err != nil {
		fail("close: %v", err)
	}
	h.mu.Lock()
	if len(h.values) != 10 {
		fail("group consumer read %v", h.values)
	}
	h.mu.Unlock()

	admin, err := sarama.NewClusterAdmin(brokers, cfg)
	if err != nil {
		fail("admin: %v", err)
	}
	defer admin.Close()
	client, err := sarama.NewClient(brokers, cfg)
	if err != nil {
		fail("client: %v", err)
	}
	defer client.Close()
	parts, err := client.Partitions(topic)
	if err != nil {
		fail("partitions: %v", err)
	}
	offsets, err := admin.ListConsumerGroupOffsets(group, map[string][]int32{topic: parts})
	if err != nil {
		fail("offset fetch: %v", err)
	}
	for _, part := range parts {
		end, err := client.GetOffset(topic, part, sarama.OffsetNewest)
		if err != nil {
			fail("end offset: %v", err)
		}
		b := offsets.GetBlock(topic, part)
		if b == nil || b.Err != sarama.ErrNoError || b.Offset != end {
			fail("partition %d: committed %+v, end offset %d", part, b, end)
		}
	}
	fmt.Println("OK sarama")
}
