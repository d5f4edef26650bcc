// Builds the configured Nest application; used by main.ts and by the end-to-end tests.
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';

import { AppModule, type AppModuleOptions } from './app.module';
import { OpenAiExceptionFilter } from './common/openai-exception.filter';
import { validationPipe } from './common/validation';
import { watchClient } from './completions/client-abort';
import { BoundedWsAdapter } from './stream/bounded-ws-adapter';

export async function createApp(options: AppModuleOptions): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(options), { bufferLogs: true, bodyParser: false });
  app.useLogger(app.get(Logger));
  // Before the body parser and the guards: a client that leaves at any point cancels its work.
  app.use(watchClient);
  app.useBodyParser('json', { limit: options.env.BODY_LIMIT_BYTES });
  app.useGlobalPipes(validationPipe);
  app.useGlobalFilters(new OpenAiExceptionFilter());
  app.useWebSocketAdapter(new BoundedWsAdapter(app, options.env.BODY_LIMIT_BYTES));

  const docs = new DocumentBuilder()
    .setTitle('ChunkServe API')
    .setDescription(
      'Multi-tenant, OpenAI-compatible serving with pre-warmed, pinned system prompts. ' +
        'Admin endpoints take the admin token, tenant endpoints an API key, both as `Authorization: Bearer`. ' +
        'WebSockets: /v1/stream (API key) and /admin/stats/live (admin token).',
    )
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'A tenant API key (cs_live_...)' }, 'api-key')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'The admin token' }, 'admin')
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, docs));
  return app;
}
