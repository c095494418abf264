#!/usr/bin/env bash
# Applies the seed 004 hardening items (the AKS node image list) to a Debian root file system.
# Used by the integration test on a debootstrap root; needs root (chown, chroot).
#
#   bash tests/node/harden.sh ROOT
set -euo pipefail
root=${1:?usage: harden.sh ROOT}
[ -d "$root/etc" ] || { echo "harden.sh: $root is not a root file system" >&2; exit 2; }

# 1.1.1.1-1.1.1.5, 3.5.1-3.5.4: kernel modules a node never needs
{
  echo "# seed 004 1.1.1.x and 3.5.x"
  for m in cramfs freevxfs jffs2 hfs hfsplus dccp sctp rds tipc; do
    echo "install $m /bin/false"
    echo "blacklist $m"
  done
} > "$root/etc/modprobe.d/60-kubeward-hardening.conf"

# 1.4.3: root gets a password (random, never shown), so rescue mode asks for it
echo "root:$(head -c 24 /dev/urandom | base64)" | chroot "$root" chpasswd

# 1.7.1.2, 1.7.1.3, 1.7.1.5, 1.7.1.6: banners that warn and reveal nothing
for f in issue issue.net; do
  printf 'Authorized uses only. All activity may be monitored and reported.\n' > "$root/etc/$f"
  chown root:root "$root/etc/$f"
  chmod 0644 "$root/etc/$f"
done

# 3.1.2, 3.2.1-3.2.4, 3.3.1: network sysctls, persistent
cat > "$root/etc/sysctl.d/60-kubeward-hardening.conf" <<'EOF'
net.ipv4.conf.all.send_redirects = 0
net.ipv4.conf.default.send_redirects = 0
net.ipv4.conf.all.accept_source_route = 0
net.ipv4.conf.default.accept_source_route = 0
net.ipv6.conf.all.accept_source_route = 0
net.ipv6.conf.default.accept_source_route = 0
net.ipv4.conf.all.accept_redirects = 0
net.ipv4.conf.default.accept_redirects = 0
net.ipv6.conf.all.accept_redirects = 0
net.ipv6.conf.default.accept_redirects = 0
net.ipv4.conf.all.secure_redirects = 0
net.ipv4.conf.default.secure_redirects = 0
net.ipv4.conf.all.log_martians = 1
net.ipv4.conf.default.log_martians = 1
net.ipv6.conf.all.accept_ra = 0
net.ipv6.conf.default.accept_ra = 0
EOF

# 5.1.2: the system crontab
chown root:root "$root/etc/crontab"
chmod 0600 "$root/etc/crontab"

# 5.2.x: sshd. Debian's sshd_config includes sshd_config.d/*.conf at its top, and the first
# value of a keyword wins, so this drop-in overrides Debian's `X11Forwarding yes` below it.
cat > "$root/etc/ssh/sshd_config.d/50-kubeward-hardening.conf" <<'EOF'
X11Forwarding no
MaxAuthTries 4
PermitRootLogin no
PermitUserEnvironment no
MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-512,hmac-sha2-256,umac-128@openssh.com
ClientAliveInterval 300
ClientAliveCountMax 3
LoginGraceTime 60
Banner /etc/issue.net
EOF

# 5.3.1: password quality (libpam-pwquality put pam_pwquality.so in common-password)
cat >> "$root/etc/security/pwquality.conf" <<'EOF'
minlen = 14
minclass = 4
EOF

# 5.4.1.1, 5.4.1.4: password expiry and inactive lock, for new and existing accounts
sed -i 's/^PASS_MAX_DAYS.*/PASS_MAX_DAYS\t90/' "$root/etc/login.defs"
chroot "$root" useradd -D -f 30
chroot "$root" chage --maxdays 90 --inactive 30 root

# 5.4.4: default umask
sed -i 's/^UMASK.*/UMASK\t\t027/' "$root/etc/login.defs"
echo "umask 027" >> "$root/etc/profile"
echo "umask 027" >> "$root/etc/bash.bashrc"

# 5.6: only members of the wheel group may su
sed -i 's/^# *auth *required *pam_wheel\.so$/auth       required   pam_wheel.so use_uid/' \
  "$root/etc/pam.d/su"
grep -q '^auth *required *pam_wheel\.so' "$root/etc/pam.d/su" || {
  echo "harden.sh: could not enable pam_wheel in $root/etc/pam.d/su" >&2
  exit 1
}
