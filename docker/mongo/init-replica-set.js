// mongosh script run by docker/mongo/init.sh (the one-shot `mongo-init` compose service).
// Idempotent: safe on every `docker compose up`.
//  1. rs.initiate() the replica set of one (rs0) if it is not initiated yet, and wait for a primary;
//  2. for every OneStop service, create (or update, so a changed password in .env takes effect) a
//     user of the same name in the service's own database with readWrite on that database only.
//     The services: ONESTOP_MONGO_USERS (comma-separated), which docker-compose.yml sets from
//     contracts/bureaus.py (`python -m deploy.generate`), so a new bureau needs no edit here.
const replicaSet = process.env.MONGO_REPLICA_SET || "rs0";
const memberHost = process.env.MONGO_RS_MEMBER || "mongo:27017";
const prefix = process.env.ONESTOP_DB_PREFIX || "onestop";
const services = (process.env.ONESTOP_MONGO_USERS || "").split(",").map((s) => s.trim()).filter((s) => s);
if (services.length === 0) {
  print("ONESTOP_MONGO_USERS is not set");
  quit(1);
}

try {
  rs.status();
  print(`replica set ${replicaSet} already initiated`);
} catch (error) {
  if (error.codeName !== "NotYetInitialized") throw error;
  rs.initiate({ _id: replicaSet, members: [{ _id: 0, host: memberHost }] });
  print(`replica set ${replicaSet} initiated with ${memberHost}`);
}

let waited = 0;
while (!db.hello().isWritablePrimary) {
  if (waited >= 60) {
    print("no primary after 60 s");
    quit(1);
  }
  sleep(1000);
  waited += 1;
}

for (const service of services) {
  const variable = `MONGO_${service.toUpperCase()}_PASSWORD`;
  const password = process.env[variable];
  if (!password) {
    print(`${variable} is not set`);
    quit(1);
  }
  const database = `${prefix}_${service}`;
  const target = db.getSiblingDB(database);
  const roles = [{ role: "readWrite", db: database }];
  if (target.getUser(service)) {
    target.updateUser(service, { pwd: password, roles: roles });
    print(`user ${service}@${database} updated`);
  } else {
    target.createUser({ user: service, pwd: password, roles: roles });
    print(`user ${service}@${database} created`);
  }
}
