[ -z "$PS1" ] && return
umask 077
