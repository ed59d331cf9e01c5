import { inject, Injectable } from '@angular/core';
import { serversControllerDetail, type ServerDetailDto } from '@tft/api-client';
import { API_CLIENT, callOptions } from '../core/api';

/** GET /servers/{server_name}: one server's history, forecast and alerts. */
@Injectable({ providedIn: 'root' })
export class ServersService {
  private readonly client = inject(API_CLIENT);

  async detail(name: string, signal?: AbortSignal): Promise<ServerDetailDto> {
    return (
      await serversControllerDetail({
        ...callOptions(this.client, signal),
        path: { server_name: name },
      })
    ).data;
  }
}
