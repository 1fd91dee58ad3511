/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * net.bpf.h - TCP connect/accept, listen, bind and first UDP send per
 * destination, IPv4 and IPv6.
 *
 * Attribution needs process context, so the syscalls are the anchor:
 * connect/accept/listen/bind are reported at sys_exit with the socket read
 * from the returned (or passed) fd.  A non-blocking TCP connect returns
 * -EINPROGRESS; its record waits in pending_conn, keyed by the sock, until
 * sock:inet_sock_set_state moves it out of SYN_SENT (established, or closed
 * with sk_err), so every connect is reported once with its final result.
 * UDP sends are reported once per (process, destination), deduplicated in
 * an LRU map, so a resolver sending to :53 is seen without flooding.
 * Addresses: saddr/sport are the local end, daddr/dport the remote end.
 */
#ifndef VIGIL_NET_BPF_H
#define VIGIL_NET_BPF_H

#include "common.bpf.h"

#define VG_S_IFMT	   0170000
#define VG_S_IFSOCK	   0140000
#define VG_IPPROTO_TCP	   6
#define VG_IPPROTO_UDP	   17
#define VG_TCP_ESTABLISHED 1
#define VG_TCP_SYN_SENT	   2
#define VG_TCP_CLOSE	   7
#define VG_ECONNREFUSED	   111

struct vg_sock_args {
	__u64 fd;
	__u64 uaddr;
	__u32 op;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct vg_sock_args);
} sock_args SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct vg_rec_net);
} pending_conn SEC(".maps");

struct vg_udp_key {
	__u32 tgid;
	__u16 family;
	__u16 dport;
	__u8 daddr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct vg_udp_key);
	__type(value, __u8);
} udp_seen SEC(".maps");

/* The user's sockaddr, as much as an IPv6 one needs. */
struct vg_sockaddr {
	__u16 family;
	__u16 port_be;
	union {
		__u32 v4;
		struct {
			__u32 flowinfo;
			__u8 v6[16];
		};
	};
};

static __always_inline struct sock *vg_fd_sock(int fd)
{
	struct file *f = vg_fd_file((struct task_struct *)bpf_get_current_task(), fd);
	struct socket *so;

	if (!f)
		return NULL;
	if ((BPF_CORE_READ(f, f_inode, i_mode) & VG_S_IFMT) != VG_S_IFSOCK)
		return NULL;
	so = BPF_CORE_READ(f, private_data);
	return BPF_CORE_READ(so, sk);
}

static __always_inline void vg_sk_tuple(struct vg_rec_net *e, struct sock *sk)
{
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->protocol = BPF_CORE_READ(sk, sk_protocol);
	e->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (e->family == VG_AF_INET) {
		BPF_CORE_READ_INTO((__u32 *)e->saddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)e->daddr, sk, __sk_common.skc_daddr);
	} else {
		BPF_CORE_READ_INTO(&e->saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&e->daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
}

/* Copy a user sockaddr's address into dst; returns false unless AF_INET/6. */
static __always_inline bool vg_user_sockaddr(const void *uaddr, __u8 dst[16], __u16 *port,
					     __u16 *family)
{
	struct vg_sockaddr sa = {};

	if (!uaddr || bpf_probe_read_user(&sa, sizeof(sa), uaddr) != 0)
		return false;
	if (sa.family == VG_AF_INET)
		__builtin_memcpy(dst, &sa.v4, 4);
	else if (sa.family == VG_AF_INET6)
		__builtin_memcpy(dst, sa.v6, 16);
	else
		return false;
	*family = sa.family;
	*port = bpf_ntohs(sa.port_be);
	return true;
}

static __always_inline void vg_net_submit(const struct vg_rec_net *src)
{
	struct vg_rec_net *e = vg_reserve(VG_REC_NET, sizeof(*e));

	if (!e)
		return;
	/* everything after the header comes from the assembled record */
	__builtin_memcpy((char *)e + sizeof(e->hdr), (const char *)src + sizeof(src->hdr),
			 sizeof(*e) - sizeof(e->hdr));
	e->hdr.flags = src->hdr.flags;
	vg_submit(e);
}

/* A network record for sk in scratch, with the actor and the 4-tuple; NULL
 * unless the socket is IPv4 or IPv6. */
static __always_inline struct vg_rec_net *vg_net_begin(struct sock *sk, __u32 op, long ret)
{
	struct vg_scratch *s = vg_scratch();
	struct vg_rec_net *e;

	if (!s)
		return NULL;
	e = (void *)s->rec;
	__builtin_memset(e, 0, sizeof(*e));
	vg_sk_tuple(e, sk);
	if (e->family != VG_AF_INET && e->family != VG_AF_INET6)
		return NULL;
	vg_fill_task(&e->task, (struct task_struct *)bpf_get_current_task());
	e->op = op;
	e->result = ret;
	return e;
}

static __always_inline int vg_sock_enter(__u32 op, __u64 fd, __u64 uaddr)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct vg_sock_args a = { .fd = fd, .uaddr = uaddr, .op = op };

	if (vg_is_self())
		return 0;
	if (bpf_map_update_elem(&sock_args, &id, &a, BPF_ANY) != 0)
		vg_count(VG_CNT_STASH_FULL);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_connect")
int vg_enter_connect(struct trace_event_raw_sys_enter *ctx)
{
	return vg_sock_enter(VG_NET_CONNECT, ctx->args[0], ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_listen")
int vg_enter_listen(struct trace_event_raw_sys_enter *ctx)
{
	return vg_sock_enter(VG_NET_LISTEN, ctx->args[0], 0);
}

SEC("tracepoint/syscalls/sys_enter_bind")
int vg_enter_bind(struct trace_event_raw_sys_enter *ctx)
{
	return vg_sock_enter(VG_NET_BIND, ctx->args[0], ctx->args[1]);
}

static __always_inline int vg_sock_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct vg_sock_args *a = bpf_map_lookup_elem(&sock_args, &id);
	struct vg_rec_net *e;
	struct sock *sk;
	__u32 op;
	__u64 uaddr;
	int fd;

	if (!a)
		return 0;
	op = a->op;
	fd = a->fd;
	uaddr = a->uaddr;
	bpf_map_delete_elem(&sock_args, &id);
	if (ret == -VG_ENOTSOCK)
		return 0;
	sk = vg_fd_sock(fd);
	e = sk ? vg_net_begin(sk, op, ret) : NULL;
	if (!e)
		return 0;
	if (op == VG_NET_CONNECT) {
		__u16 fam;

		/* The destination as asked, even when the connect failed early. */
		vg_user_sockaddr((void *)uaddr, e->daddr, &e->dport, &fam);
		if (e->protocol == VG_IPPROTO_UDP) {
			struct vg_udp_key k = { .tgid = e->task.tgid,
						.family = e->family,
						.dport = e->dport };
			__u8 one = 1;

			__builtin_memcpy(k.daddr, e->daddr, 16);
			bpf_map_update_elem(&udp_seen, &k, &one, BPF_ANY);
		}
		if (ret == -VG_EINPROGRESS && e->protocol == VG_IPPROTO_TCP) {
			__u64 key = (__u64)sk;
			int state;

			if (bpf_map_update_elem(&pending_conn, &key, e, BPF_ANY) != 0) {
				vg_count(VG_CNT_STASH_FULL);
				e->hdr.flags |= VG_F_NO_RESULT;
				vg_net_submit(e);
				return 0;
			}
			/*
			 * On loopback the handshake (or the RST) can complete inside
			 * connect(), before the record was stashed.  Whoever deletes
			 * the pending entry reports it: the state tracepoint, or us
			 * when the socket already left SYN_SENT.
			 */
			state = BPF_CORE_READ(sk, __sk_common.skc_state);
			if (state == VG_TCP_SYN_SENT ||
			    bpf_map_delete_elem(&pending_conn, &key) != 0)
				return 0;
			if (state == VG_TCP_CLOSE) {
				int err = BPF_CORE_READ(sk, sk_err);

				e->result = err ? -err : -VG_ECONNREFUSED;
			} else {
				e->result = 0;
			}
		}
	} else if (op == VG_NET_BIND) {
		__u16 fam;

		vg_user_sockaddr((void *)uaddr, e->saddr, &e->sport, &fam);
	}
	vg_net_submit(e);
	return 0;
}

#define VG_SOCK_EXIT(name)                                       \
	SEC("tracepoint/syscalls/sys_exit_" #name)               \
	int vg_exit_##name(struct trace_event_raw_sys_exit *ctx) \
	{                                                        \
		return vg_sock_exit(ctx->ret);                   \
	}

VG_SOCK_EXIT(connect)
VG_SOCK_EXIT(listen)
VG_SOCK_EXIT(bind)

static __always_inline int vg_accept_exit(long ret)
{
	struct vg_rec_net *e;
	struct sock *sk;

	if (ret < 0 || vg_is_self())
		return 0;
	sk = vg_fd_sock(ret);
	e = sk ? vg_net_begin(sk, VG_NET_ACCEPT, ret) : NULL;
	if (e)
		vg_net_submit(e);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept")
int vg_exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	return vg_accept_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int vg_exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return vg_accept_exit(ctx->ret);
}

/* Final outcome of a non-blocking connect.  Runs in softirq context: it
 * only touches the pending record and the ring, never the scratch area. */
SEC("tracepoint/sock/inet_sock_set_state")
int vg_sock_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	__u64 key = (__u64)ctx->skaddr;
	struct vg_rec_net *p;

	if (ctx->oldstate != VG_TCP_SYN_SENT || ctx->protocol != VG_IPPROTO_TCP)
		return 0;
	p = bpf_map_lookup_elem(&pending_conn, &key);
	if (!p)
		return 0;
	if (ctx->newstate == VG_TCP_ESTABLISHED) {
		p->result = 0;
	} else {
		int err = BPF_CORE_READ((struct sock *)ctx->skaddr, sk_err);

		p->result = err ? -err : -VG_ECONNREFUSED;
	}
	p->sport = ctx->sport;
	vg_net_submit(p);
	bpf_map_delete_elem(&pending_conn, &key);
	return 0;
}

/* First datagram from this process to a destination. */
static __always_inline int vg_udp_send(int fd, const void *uaddr)
{
	struct vg_udp_key k = {};
	struct vg_rec_net *e;
	struct sock *sk;
	__u8 one = 1;

	if (!uaddr || vg_is_self())
		return 0;
	k.tgid = bpf_get_current_pid_tgid() >> 32;
	if (!vg_user_sockaddr(uaddr, k.daddr, &k.dport, &k.family))
		return 0;
	if (bpf_map_lookup_elem(&udp_seen, &k))
		return 0;
	sk = vg_fd_sock(fd);
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != VG_IPPROTO_UDP)
		return 0;
	if (bpf_map_update_elem(&udp_seen, &k, &one, BPF_ANY) != 0)
		vg_count(VG_CNT_UDP_DEDUP_FULL);
	e = vg_net_begin(sk, VG_NET_UDP_SEND, 0);
	if (!e)
		return 0;
	e->family = k.family;
	e->dport = k.dport;
	__builtin_memcpy(e->daddr, k.daddr, 16);
	e->hdr.flags |= VG_F_NO_RESULT;
	vg_net_submit(e);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_sendto")
int vg_enter_sendto(struct trace_event_raw_sys_enter *ctx)
{
	return vg_udp_send(ctx->args[0], (const void *)ctx->args[4]);
}

static __always_inline int vg_udp_sendmsg(int fd, const struct user_msghdr *umsg)
{
	void *name = NULL;

	if (bpf_probe_read_user(&name, sizeof(name), &umsg->msg_name) != 0)
		return 0;
	return vg_udp_send(fd, name);
}

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int vg_enter_sendmsg(struct trace_event_raw_sys_enter *ctx)
{
	return vg_udp_sendmsg(ctx->args[0], (const struct user_msghdr *)ctx->args[1]);
}

/* sendmmsg: the first message's destination (a batch usually shares one). */
SEC("tracepoint/syscalls/sys_enter_sendmmsg")
int vg_enter_sendmmsg(struct trace_event_raw_sys_enter *ctx)
{
	return vg_udp_sendmsg(ctx->args[0], (const struct user_msghdr *)ctx->args[1]);
}

#endif /* VIGIL_NET_BPF_H */
