#!/bin/sh
# Client script for dhclient (-sf) and busybox udhcpc (-s) in the tests: it
# records what the client was given in $LEASE_OUT and configures only the
# namespaced interface. Never touches /etc/resolv.conf or routes.
out=${LEASE_OUT:?}
env | sort > "$out.$1${reason:+.$reason}"
case "$1$reason" in
bound | renew | BOUND | RENEW | REBOOT)
	addr=${ip:-$new_ip_address}
	mask=${subnet:-$new_subnet_mask}
	[ -n "$addr" ] && ip addr replace "$addr/$mask" dev "$interface"
	;;
RELEASE | EXPIRE | STOP | deconfig)
	ip addr flush dev "$interface"
	;;
esac
exit 0
