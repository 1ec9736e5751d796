# shellcheck shell=bash
# The environment of one RabbitMQ node run as a plain process (Debian's rabbitmq-server), for
# scripts/services.sh's single node and the chaos suite's three-node cluster alike. Source it.
#
#   rabbit_node_env NODE AMQP_PORT DIST_PORT EPMD_PORT DATA_DIR PID_FILE
#
# Exports what rabbitmq-server and rabbitmqctl read: the node name, loopback-only ports, the Erlang
# port mapper to use, and every data, log and config path under DATA_DIR. HOME (where the Erlang
# cookie lives) is the caller's to set.
rabbit_node_env() {
  local node="$1" amqp="$2" dist="$3" epmd="$4" data="$5" pid_file="$6"
  export RABBITMQ_NODENAME="$node"
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT="$amqp"
  export RABBITMQ_DIST_PORT="$dist"
  export ERL_EPMD_PORT="$epmd"
  export ERL_EPMD_ADDRESS=127.0.0.1
  export RABBITMQ_MNESIA_BASE="$data/mnesia"
  export RABBITMQ_LOG_BASE="$data/log"
  export RABBITMQ_PID_FILE="$pid_file"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$data/enabled_plugins"
  export RABBITMQ_CONFIG_FILE="$data/rabbitmq.conf"
  export RABBITMQ_ADVANCED_CONFIG_FILE="$data/advanced.config"
  export RABBITMQ_CONF_ENV_FILE="$data/rabbitmq-env.conf"
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  export PATH="/usr/lib/rabbitmq/bin:$PATH"
}
